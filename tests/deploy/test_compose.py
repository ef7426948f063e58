"""deploy/compose.yml cannot be run here (no Docker engine), so its structure is checked so it
cannot rot: every build target exists, services wait for healthy dependencies and the one-shot
migration, ports and commands match the services, and every PARLEY_* variable is a setting."""

from __future__ import annotations

import importlib
import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from parley_cli.services import SERVICES
from parley_schema.settings import ParleyBaseSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yml"
PARLEY_SERVICES = {spec.name: spec for spec in SERVICES}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def _dockerfile_targets(path: Path) -> set[str]:
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)\s*$", path.read_text(), re.MULTILINE | re.I))


def _stage(path: Path, target: str) -> str:
    """The text of one build stage of a Dockerfile."""
    stages = re.split(r"^(?=FROM\s)", path.read_text(), flags=re.MULTILINE)
    matching = [s for s in stages if re.match(rf"FROM\s+\S+\s+AS\s+{re.escape(target)}\s", s)]
    assert matching, f"no stage {target}"
    return matching[0]


def _settings_fields() -> set[str]:
    """Every PARLEY_* variable some service's settings class reads."""
    names = {f"PARLEY_{name.upper()}" for name in ParleyBaseSettings.model_fields}
    for spec in SERVICES:
        module = importlib.import_module(f"{spec.package}.settings")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, ParleyBaseSettings):
                names |= {f"PARLEY_{name.upper()}" for name in value.model_fields}
    return names


def test_every_parley_service_is_deployed_with_the_stack_it_needs(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(PARLEY_SERVICES) | {"postgres", "rabbitmq", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("pgvector/pgvector:")
    assert "management" in services["rabbitmq"]["image"]


def test_every_build_names_an_existing_dockerfile_target(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "image" in service:
            assert ":" in service["image"], name
            assert not service["image"].endswith(":latest"), name
            continue
        build = service["build"]
        context = (DEPLOY / build["context"]).resolve()
        dockerfile = context / build["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
        assert build["target"] in _dockerfile_targets(dockerfile), name


def test_services_wait_for_healthy_dependencies_and_the_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "rabbitmq"):
        assert services[name]["healthcheck"]["test"], name
    for name in PARLEY_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["rabbitmq"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_http_services_publish_their_port_and_check_readiness(compose: dict[str, Any]) -> None:
    defaults = ParleyBaseSettings()
    for name, spec in PARLEY_SERVICES.items():
        port = spec.port(defaults)
        service = compose["services"][name]
        if port is None:
            assert "ports" not in service, f"{name} must scale freely: it publishes no port"
            continue
        assert f"{port}:{port}" in service["ports"], name
        assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"]), name


def test_images_run_each_service_as_parley_up_does_and_not_as_root(
    compose: dict[str, Any],
) -> None:
    dockerfile = DEPLOY / "Dockerfile"
    assert re.search(r"^USER parley$", _stage(dockerfile, "runtime"), re.MULTILINE)
    for name, spec in PARLEY_SERVICES.items():
        stage = _stage(dockerfile, compose["services"][name]["build"]["target"])
        assert f"{spec.package}.main:" in stage, name
        assert importlib.util.find_spec(f"{spec.package}.main") is not None, name
        assert "build-essential" not in stage, name


def test_every_configured_variable_is_a_setting(compose: dict[str, Any]) -> None:
    known = _settings_fields()
    configured = set(compose["x-parley-service"]["environment"])
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            configured.add(line.split("=", 1)[0])
    parley_names = {name for name in configured if name.startswith("PARLEY_")}
    assert parley_names, "the compose file configures no Parley setting"
    assert parley_names <= known, parley_names - known


def _workspace_dependencies(member: Path) -> set[str]:
    """The workspace members (as ``./libs/x`` paths) that ``member`` needs, transitively."""
    by_name = {
        tomllib.loads((path / "pyproject.toml").read_text())["project"]["name"]: path
        for path in [*ROOT.glob("libs/*"), *ROOT.glob("services/*")]
        if (path / "pyproject.toml").exists()
    }
    needed: set[str] = set()
    pending = [member]
    while pending:
        project = tomllib.loads((pending.pop() / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
            if name in by_name and name not in needed:
                needed.add(name)
                pending.append(by_name[name])
    return {f"./{by_name[name].relative_to(ROOT)}" for name in needed}


def test_each_image_installs_every_workspace_member_its_service_imports() -> None:
    dockerfile = DEPLOY / "Dockerfile"
    for name in PARLEY_SERVICES:
        stage = _stage(dockerfile, f"build-{name}")
        installed = set(re.findall(r"\./(?:libs|services)/[\w-]+", stage))
        missing = _workspace_dependencies(ROOT / "services" / name) - installed
        assert not missing, f"the {name} image lacks {sorted(missing)}"
