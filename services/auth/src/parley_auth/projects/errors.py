from __future__ import annotations

from parley_schema.errors import ParleyError


class ProjectNotFound(ParleyError):
    """Also what non-members get, so project ids are not probed."""

    code = "project_not_found"
    status = 404


class NotProjectOwner(ParleyError):
    code = "not_project_owner"
    status = 403


class MemberNotFound(ParleyError):
    code = "member_not_found"
    status = 404


class UserNotFound(ParleyError):
    code = "user_not_found"
    status = 404


class AlreadyMember(ParleyError):
    code = "already_member"
    status = 409


class LastOwner(ParleyError):
    code = "last_owner"
    status = 409


class SourceNotFound(ParleyError):
    code = "source_not_found"
    status = 404


class SourceNotPermitted(ParleyError):
    """Attaching a Chatwoot source needs an administrator, or a grant covering it."""

    code = "source_not_permitted"
    status = 403
