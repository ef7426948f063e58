"""``/v1/kb/documents`` on real Postgres: every file type, versions, the size limit,
unreadable files, rights and the isolation of projects."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
import httpx
import pypdf
import pytest
from fpdf import FPDF
from parley_authn import (
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_token_for,
    hash_secret,
    new_api_token,
    new_session_secret,
    shown_prefix,
)
from parley_schema.models import (
    ApiToken,
    AppUser,
    EventOutbox,
    KbDocument,
    KbDocumentVersion,
    ProjectMember,
    RagChunk,
    Session,
)
from parley_simulator.documents import MARKDOWN, demo_pdf
from parley_testing.factories import ApiCaller, make_api_caller
from sqlalchemy import func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

MARKDOWN_BYTES = MARKDOWN.encode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def two_page_pdf() -> bytes:
    return demo_pdf()


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(demo_pdf()))
    writer.encrypt("secret-password")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A PDF with a page and no text (what a scan without OCR looks like to a parser)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    return bytes(pdf.output())


def docx_file() -> bytes:
    document = docx.Document()
    document.add_heading("Travel expenses", level=1)
    document.add_paragraph("Book trains for trips under four hours.")
    document.add_heading("Hotels", level=2)
    document.add_paragraph("Up to 120 euros a night in the city centre.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


HTML = b"""<html><head><script>track()</script></head><body><nav>Home | Help</nav>
<h1>Shipping policy</h1><p>We ship within <b>one</b> working day.</p>
<h2>Express</h2><ul><li>Next-day delivery before noon.</li></ul></body></html>"""


@pytest.fixture
async def owner(db_session: AsyncSession) -> ApiCaller:
    return await make_api_caller(db_session, name=f"owner-{uuid.uuid4().hex[:8]}", account_ids=[1])


@pytest.fixture
async def other_owner(db_session: AsyncSession) -> ApiCaller:
    return await make_api_caller(db_session, name=f"other-{uuid.uuid4().hex[:8]}", account_ids=[1])


@pytest.fixture
async def member_token(db_session: AsyncSession, owner: ApiCaller) -> str:
    """A token of a plain member of the owner's project."""
    user_id, token = uuid.uuid4(), new_api_token()
    await db_session.execute(
        insert(AppUser).values(id=user_id, username=f"m-{user_id.hex[:8]}", password_hash="!")
    )
    await db_session.execute(
        insert(ProjectMember).values(project_id=owner.project_id, user_id=user_id, role="member")
    )
    await db_session.execute(
        insert(ApiToken).values(
            project_id=owner.project_id,
            user_id=user_id,
            name="member",
            prefix=shown_prefix(token),
            token_hash=hash_secret(token),
        )
    )
    return token


@pytest.fixture
async def owner_cookie(db_session: AsyncSession, owner: ApiCaller) -> str:
    secret = new_session_secret()
    await db_session.execute(
        insert(Session).values(
            session_id=hash_secret(secret),
            user_id=owner.user_id,
            active_project_id=owner.project_id,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    return secret


async def upload(
    client: httpx.AsyncClient,
    token: str,
    name: str,
    data: bytes,
    media_type: str = "application/octet-stream",
    **fields: str,
) -> httpx.Response:
    return await client.post(
        "/v1/kb/documents",
        files={"file": (name, data, media_type)},
        data=fields,
        headers=bearer(token),
    )


async def outbox(session: AsyncSession, global_id: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(EventOutbox.payload)
        .where(EventOutbox.payload["data"]["document_global_id"].astext == global_id)
        .order_by(EventOutbox.id)
    )
    return list(rows)


class TestFileTypes:
    async def test_markdown_keeps_its_headings_and_announces_the_document(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        answer = await upload(
            client,
            owner.token,
            "onboarding.md",
            MARKDOWN_BYTES,
            "text/markdown",
            category="procedure",
            metadata=json.dumps({"team": "sales"}),
            locale="en",
        )
        assert answer.status_code == 201, answer.text
        document = answer.json()
        assert document["id"].startswith("kbdoc:")
        assert document["title"] == "Onboarding a new business customer"
        assert (document["category"], document["locale"], document["metadata"]) == (
            "procedure", "en", {"team": "sales"}
        )  # fmt: skip
        assert (document["version"], document["processing_status"]) == (1, "pending")
        row = await db_session.get(KbDocument, document["id"])
        assert row is not None
        assert row.project_id == owner.project_id
        assert row.source == "upload"
        headings = [(b["level"], b["text"]) for b in row.body["blocks"] if b["kind"] == "heading"]
        assert headings == [
            (1, "Onboarding a new business customer"),
            (2, "Before the first call"),
            (2, "The first call"),
            (2, "After thirty days"),
        ]
        [event] = await outbox(db_session, document["id"])
        assert event["type"] == "document.upserted.v1"
        assert event["account_id"] is None
        assert event["data"]["project_id"] == str(owner.project_id)
        assert event["data"]["content_sha256"] == row.content_sha256

    async def test_a_pdf_gives_page_numbers_and_its_bookmarks_as_headings(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        answer = await upload(client, owner.token, "policy.pdf", two_page_pdf())
        assert answer.status_code == 201, answer.text
        assert answer.json()["media_type"] == "application/pdf"
        row = await db_session.get(KbDocument, answer.json()["id"])
        assert row is not None
        blocks = [(b["kind"], b["page"]) for b in row.body["blocks"]]
        assert blocks == [("heading", 1), ("paragraph", 1), ("heading", 2), ("paragraph", 2)]
        assert "30 days" in row.body["blocks"][1]["text"]

    async def test_docx_headings_come_from_their_styles(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        answer = await upload(client, owner.token, "travel.docx", docx_file())
        assert answer.status_code == 201, answer.text
        row = await db_session.get(KbDocument, answer.json()["id"])
        assert row is not None
        assert [(b["kind"], b["level"], b["text"]) for b in row.body["blocks"]] == [
            ("heading", 1, "Travel expenses"),
            ("paragraph", None, "Book trains for trips under four hours."),
            ("heading", 2, "Hotels"),
            ("paragraph", None, "Up to 120 euros a night in the city centre."),
        ]

    async def test_html_drops_scripts_and_navigation(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        answer = await upload(client, owner.token, "shipping.html", HTML, "text/html")
        assert answer.status_code == 201, answer.text
        row = await db_session.get(KbDocument, answer.json()["id"])
        assert row is not None
        assert [b["text"] for b in row.body["blocks"]] == [
            "Shipping policy",
            "We ship within one working day.",
            "Express",
            "Next-day delivery before noon.",
        ]

    async def test_plain_text_is_split_into_paragraphs(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        text = "Opening hours\n\nMonday to Friday, 9 to 17.\n\nClosed on public holidays.\n"
        answer = await upload(client, owner.token, "hours.txt", text.encode(), title="Hours")
        assert answer.status_code == 201, answer.text
        assert answer.json()["title"] == "Hours"
        row = await db_session.get(KbDocument, answer.json()["id"])
        assert row is not None
        assert len(row.body["blocks"]) == 3

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (encrypted_pdf(), "the PDF is encrypted"),
            (b"%PDF-1.7 this is not really a PDF", "not a readable PDF"),
            (scanned_pdf(), "no text layer"),
        ],
    )
    async def test_an_unreadable_pdf_is_stored_as_failed_with_its_reason(
        self,
        client: httpx.AsyncClient,
        owner: ApiCaller,
        db_session: AsyncSession,
        data: bytes,
        reason: str,
    ) -> None:
        answer = await upload(client, owner.token, "broken.pdf", data)
        assert answer.status_code == 201, answer.text
        document = answer.json()
        assert document["processing_status"] == "failed"
        assert reason in document["processing_error"]
        [event] = await outbox(db_session, document["id"])
        assert event["type"] == "document.deleted.v1"  # nothing for the embedder to chunk

    async def test_an_unsupported_type_and_bad_fields_are_refused(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        refused = await upload(client, owner.token, "sheet.xlsx", b"PK\x03\x04")
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            415, "unsupported_document_type"
        )  # fmt: skip
        for fields, field in (
            ({"metadata": "{not json"}, "metadata"),
            ({"metadata": "[1, 2]"}, "metadata"),
            ({"category": "Not A Slug"}, "category"),
            ({"locale": "english!"}, "locale"),
        ):
            bad = await upload(client, owner.token, "a.md", b"# A\n\ntext", **fields)
            assert bad.status_code == 422, fields
            assert bad.json()["error"]["field"] == field
        no_file = await client.post(
            "/v1/kb/documents", data={"category": "faq"}, headers=bearer(owner.token)
        )
        assert no_file.status_code == 422
        count = await db_session.scalar(
            select(func.count()).where(KbDocument.project_id == owner.project_id)
        )
        assert count == 0


class TestVersions:
    async def test_put_makes_a_new_version_and_archives_the_old_one(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        first = (await upload(client, owner.token, "faq.md", b"# FAQ\n\nOld answer.")).json()
        replaced = await client.put(
            f"/v1/kb/documents/{first['id']}",
            files={"file": ("faq.md", b"# FAQ\n\nNew answer.", "text/markdown")},
            data={"category": "faq"},
            headers=bearer(owner.token),
        )
        assert replaced.status_code == 200, replaced.text
        document = replaced.json()
        assert (document["id"], document["version"], document["category"]) == (
            first["id"], 2, "faq"
        )  # fmt: skip
        assert [(v["version"], v["archived_at"] is not None) for v in document["versions"]] == [
            (1, True),
            (2, False),
        ]
        events = await outbox(db_session, first["id"])
        assert [(e["type"], e["data"]["version"]) for e in events] == [
            ("document.upserted.v1", 1),
            ("document.upserted.v1", 2),
        ]
        same = await client.put(
            f"/v1/kb/documents/{first['id']}",
            files={"file": ("faq.md", b"# FAQ\n\nNew answer.", "text/markdown")},
            data={"category": "faq"},
            headers=bearer(owner.token),
        )
        assert same.json()["version"] == 2  # the same file again: nothing new
        assert len(await outbox(db_session, first["id"])) == 2

    async def test_delete_removes_the_document_its_versions_and_chunks(
        self, client: httpx.AsyncClient, owner: ApiCaller, db_session: AsyncSession
    ) -> None:
        document = (await upload(client, owner.token, "a.md", b"# A\n\nSome text.")).json()
        await db_session.execute(
            insert(RagChunk).values(
                kind="document",
                document_global_id=document["id"],
                project_id=owner.project_id,
                chunk_index=0,
                text="Some text.",
                embedding=literal_column("array_fill(0.1::real, ARRAY[384])::vector"),
            )
        )
        deleted = await client.delete(
            f"/v1/kb/documents/{document['id']}", headers=bearer(owner.token)
        )
        assert deleted.status_code == 204
        assert await db_session.get(KbDocument, document["id"]) is None
        for model, column in (
            (RagChunk, RagChunk.document_global_id),
            (KbDocumentVersion, KbDocumentVersion.document_global_id),
        ):
            count = await db_session.scalar(
                select(func.count()).select_from(model).where(column == document["id"])
            )
            assert count == 0
        assert (await outbox(db_session, document["id"]))[-1]["type"] == "document.deleted.v1"
        again = await client.delete(
            f"/v1/kb/documents/{document['id']}", headers=bearer(owner.token)
        )
        assert again.status_code == 404


class TestRights:
    async def test_no_credentials_get_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/v1/kb/documents")).status_code == 401
        refused = await client.post(
            "/v1/kb/documents", files={"file": ("a.md", b"# A\n\ntext", "text/markdown")}
        )
        assert refused.status_code == 401

    async def test_a_member_reads_but_only_the_owner_writes(
        self, client: httpx.AsyncClient, owner: ApiCaller, member_token: str
    ) -> None:
        refused = await upload(client, member_token, "a.md", b"# A\n\ntext")
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            403, "write_not_permitted"
        )  # fmt: skip
        document = (await upload(client, owner.token, "a.md", b"# A\n\ntext")).json()
        listed = await client.get("/v1/kb/documents", headers=bearer(member_token))
        assert [d["id"] for d in listed.json()["documents"]] == [document["id"]]
        deleting = await client.delete(
            f"/v1/kb/documents/{document['id']}", headers=bearer(member_token)
        )
        assert deleting.status_code == 403

    async def test_a_session_cookie_needs_its_csrf_token_to_write(
        self, client: httpx.AsyncClient, owner_cookie: str
    ) -> None:
        client.cookies.update({SESSION_COOKIE: owner_cookie})
        files = {"file": ("a.md", b"# A\n\ntext", "text/markdown")}
        refused = await client.post("/v1/kb/documents", files=files)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "csrf_rejected")
        done = await client.post(
            "/v1/kb/documents", files=files, headers={CSRF_HEADER: csrf_token_for(owner_cookie)}
        )
        assert done.status_code == 201, done.text
        assert (await client.get("/v1/kb/documents")).status_code == 200  # reads need none


class TestIsolation:
    async def test_a_project_sees_only_its_own_uploads(
        self, client: httpx.AsyncClient, owner: ApiCaller, other_owner: ApiCaller
    ) -> None:
        mine = [
            (await upload(client, owner.token, f"{n}.md", f"# Doc {n}\n\ntext {n}".encode())).json()
            for n in range(3)
        ]
        theirs = (await upload(client, other_owner.token, "t.md", b"# Theirs\n\nsecret")).json()
        page = (await client.get("/v1/kb/documents?limit=2", headers=bearer(owner.token))).json()
        rest = (
            await client.get(
                f"/v1/kb/documents?limit=2&cursor={page['next_cursor']}",
                headers=bearer(owner.token),
            )
        ).json()
        listed = [d["id"] for d in page["documents"] + rest["documents"]]
        assert sorted(listed) == sorted(d["id"] for d in mine)
        assert rest["next_cursor"] is None
        url = f"/v1/kb/documents/{theirs['id']}"
        assert (await client.get(url, headers=bearer(owner.token))).status_code == 404
        assert (await client.delete(url, headers=bearer(owner.token))).status_code == 404
        put = await client.put(
            url, files={"file": ("x.md", b"# X\n\nx", "text/markdown")}, headers=bearer(owner.token)
        )
        assert put.status_code == 404
        shown = await client.get(url, headers=bearer(other_owner.token))
        assert shown.json()["title"] == "Theirs"
