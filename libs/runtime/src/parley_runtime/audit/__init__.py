"""The audit trail of API requests: recorded after the response, written in batches.

``create_service_app`` mounts it for every service whose settings are
:class:`~parley_runtime.audit.settings.AuditSettings` (search-api and auth). Where a service
resolves its caller, it hands them over with :func:`~parley_runtime.audit.caller.identify`.
"""
