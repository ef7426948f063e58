"""Objects built once at start-up and handed to routes by type: Parley's wiring convention.

An app's lifespan builds its services with their collaborators (settings, clients, the
session factory, a model) and registers them with :func:`provide`; routes receive them
through ``Annotated`` aliases declared once in the service's ``deps.py``::

    SignupServiceDep = Annotated[SignupService, provided(SignupService)]

    @router.post("")
    async def create_signup(body: SignupCreate, session: SessionDep, signup: SignupServiceDep):
        return await signup.create(session, body)

Services still take the request's session per call. ``create_service_app`` provides the
app's settings, so ``provided(IngestSettings)`` is every service's settings dependency.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from fastapi import Depends, FastAPI, Request

T = TypeVar("T")


def provide(app: FastAPI, *objects: object) -> None:
    """Register ``objects`` under their own types (one object per type)."""
    registry: dict[type, object] = app.state.provided
    for thing in objects:
        if type(thing) in registry:
            raise ValueError(f"{type(thing).__name__} is provided twice")
        registry[type(thing)] = thing


def provided_object(app: FastAPI, cls: type[T]) -> T:
    """The object registered for ``cls`` (lifespans and tests that drive an app directly)."""
    registry: dict[type, object] = app.state.provided
    try:
        return cast(T, registry[cls])
    except KeyError:
        raise LookupError(f"nothing provides {cls.__name__}: build it in the lifespan") from None


def provided(cls: type[T]) -> Any:
    """A dependency that hands a route the object registered for ``cls``."""

    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a hop per request.
    async def dependency(request: Request) -> T:
        return provided_object(request.app, cls)

    dependency.__name__ = f"provided_{cls.__name__}"
    return Depends(dependency)
