"""``/v1/kb/documents``: upload, list, show, replace (new version) and delete a project's
documents. Rights and rules: :mod:`parley_ingest.kb.uploads.service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from parley_runtime.database import SessionDep
from parley_runtime.error_handlers import error_responses

from parley_ingest.deps import CurrentCaller, SettingsDep, UploadServiceDep, WakeRelayAfterCommit
from parley_ingest.kb.uploads.form import UPLOAD_REQUEST_BODY, read_upload_form
from parley_ingest.kb.uploads.schemas import DocumentList, DocumentRead
from parley_ingest.kb.uploads.service import writer

router = APIRouter(prefix="/v1/kb/documents", tags=["knowledge"])

DocumentIdPath = Annotated[
    str, Path(pattern=r"^kbdoc:[0-9a-f-]{36}$", description="`kbdoc:<uuid>`")
]


# 401 no credentials, 403 write_not_permitted / no_active_project / csrf_rejected, 413 the
# file is too large, 415 an unsupported type, 422 a bad field, 503 the database took too long.
@router.post(
    "",
    status_code=201,
    responses=error_responses(401, 403, 413, 415, 422, 503),
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
    dependencies=[WakeRelayAfterCommit],
)
async def upload_document(
    request: Request,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    uploads: UploadServiceDep,
) -> DocumentRead:
    uploader = writer(caller.principal)
    fields, upload = await read_upload_form(request, settings.kb_upload_max_bytes)
    return await uploads.create(session, uploader, fields, upload)


@router.put(
    "/{global_id}",
    responses=error_responses(401, 403, 404, 413, 415, 422, 503),
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
    dependencies=[WakeRelayAfterCommit],
)
async def replace_document(
    request: Request,
    global_id: DocumentIdPath,
    caller: CurrentCaller,
    session: SessionDep,
    settings: SettingsDep,
    uploads: UploadServiceDep,
) -> DocumentRead:
    uploader = writer(caller.principal)
    fields, upload = await read_upload_form(request, settings.kb_upload_max_bytes)
    return await uploads.replace(session, uploader, global_id, fields, upload)


@router.get("", responses=error_responses(401, 403, 422, 503))
async def list_documents(
    caller: CurrentCaller,
    session: SessionDep,
    uploads: UploadServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the last page")] = None,
) -> DocumentList:
    return await uploads.list(session, caller.principal, limit=limit, cursor=cursor)


@router.get("/{global_id}", responses=error_responses(401, 403, 404, 422, 503))
async def show_document(
    global_id: DocumentIdPath, caller: CurrentCaller, session: SessionDep, uploads: UploadServiceDep
) -> DocumentRead:
    return await uploads.show(session, caller.principal, global_id)


@router.delete(
    "/{global_id}",
    status_code=204,
    responses=error_responses(401, 403, 404, 422, 503),
    dependencies=[WakeRelayAfterCommit],
)
async def delete_document(
    global_id: DocumentIdPath, caller: CurrentCaller, session: SessionDep, uploads: UploadServiceDep
) -> Response:
    await uploads.delete(session, writer(caller.principal), global_id)
    return Response(status_code=204)
