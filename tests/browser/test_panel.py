"""The Chatwoot panel and the search page in a real Chromium against the running stack.

Figures (in pytest's warnings summary, as ``UserWarning: browser figures: …``): the page weight of the panel's
and the search page's first load, and the panel's time to its first result."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from parley_simulator.model import Conversation
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, Request, expect

from tests.browser.conftest import PASSWORD, SCREENSHOTS, USERNAME, PanelWorld

FRAME = "#dashboard-app--frame-0-0"
SIMILAR = '[data-testid="similar-conversation"]'
RESULT = '[data-testid="search-result"]'
ATTRIBUTES = '[data-testid="contact-attributes"]'
LABELS = '[data-testid="contact-labels"] li'


class Transfers:
    """Bytes a page received from one origin (headers and bodies)."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.bytes = 0
        self.requests = 0
        page.on("requestfinished", self._count)

    def _count(self, request: Request) -> None:
        if request.url.startswith(self.origin):
            sizes = request.sizes()
            self.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            self.requests += 1


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    yield context
    context.close()


def path_of(conversation: Conversation) -> str:
    return f"/app/accounts/{conversation.account.id}/conversations/{conversation.display_id}"


def global_id(conversation: Conversation) -> str:
    return f"cw:{conversation.account.id}:{conversation.display_id}"


def log_in(scope: Page | FrameLocator) -> None:
    form = scope.locator('form[data-testid="login"]')
    expect(form).to_be_visible()
    form.locator('input[name="username"]').fill(USERNAME)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('input[name="password"]').press("Enter")


def similar_ids(world: PanelWorld, conversation: Conversation) -> list[str]:
    hits: list[dict[str, Any]] = world.api(f"/v1/conversations/{global_id(conversation)}/similar")[
        "hits"
    ]  # type: ignore[assignment]
    resolved = [h["conversation"]["id"] for h in hits if h["conversation"]["status"] == "resolved"]
    return resolved + [
        h["conversation"]["id"] for h in hits if h["conversation"]["status"] != "resolved"
    ]


def shown_similar(frame: FrameLocator, expected: list[str]) -> list[str]:
    items = frame.locator(SIMILAR)
    expect(items).to_have_count(len(expected), timeout=30_000)
    return [str(items.nth(i).get_attribute("data-conversation-id")) for i in range(items.count())]


def contact_id(conversation: Conversation) -> str:
    return f"cwc:{conversation.account.id}:{conversation.contact.id}"


def expect_contact_facts(
    world: PanelWorld, frame: FrameLocator, conversation: Conversation
) -> None:
    """The panel shows the contact's attributes (keys in order, values as text) and labels as
    the API answers them, and those are the demo's."""
    request = {"filters": {"contact_ids": [contact_id(conversation)]}}
    contacts: list[dict[str, Any]] = world.api("/v1/contacts/search", request)["contacts"]  # type: ignore[assignment]
    [contact] = contacts
    assert contact["custom_attributes"] == conversation.contact.custom_attributes
    attributes = sorted(
        (key, value if isinstance(value, str) else json.dumps(value))
        for key, value in contact["custom_attributes"].items()
        if value not in (None, "")
    )
    assert attributes, "the demo's contacts carry custom attributes"
    facts = frame.locator(ATTRIBUTES)
    expect(facts.locator("dt")).to_have_text([key for key, _ in attributes])
    expect(facts.locator("dd")).to_have_text([value for _, value in attributes])
    expect(frame.locator(LABELS)).to_have_text(contact["labels"])


def sent_search(page: Page, submit: Any) -> dict[str, Any]:
    """The body of the search request the page sends when ``submit()`` runs."""
    with page.expect_request(
        lambda request: request.method == "POST" and request.url.endswith("/v1/search")
    ) as sent:
        submit()
    body = sent.value.post_data_json
    assert isinstance(body, dict)
    return body


def shown_results(page: Page, expected: list[str]) -> list[str]:
    results = page.locator(RESULT)
    expect(results).to_have_count(len(expected), timeout=30_000)
    return [str(results.nth(i).get_attribute("data-conversation-id")) for i in range(len(expected))]


def first_result_ms(page: Page) -> float:
    panel = next(f for f in page.frames if f.url.split("?")[0].endswith("/app/chatwoot"))
    started: float = panel.evaluate(
        "performance.getEntriesByName('parley:first-result')[0].startTime"
    )
    return started


def test_panel_shows_similar_conversations_stays_logged_in_across_switches_and_searches(
    world: PanelWorld, context: BrowserContext
) -> None:
    first, second = world.corpus.conversations[0], world.corpus.conversations[1]
    page = context.new_page()
    transfers = Transfers(page, world.app_url)
    page.goto(world.chatwoot_url + path_of(first))
    frame = page.frame_locator(FRAME)
    log_in(frame)
    expected = similar_ids(world, first)
    assert expected, "the API finds similar conversations for the demo conversation"
    assert shown_similar(frame, expected) == expected
    assert first is world.labelled, "the demo's first contact has labels"
    expect_contact_facts(world, frame, first)
    link = frame.locator(SIMILAR).first.get_by_role("link", name="Open in Chatwoot")
    assert re.fullmatch(
        rf"{re.escape(world.chatwoot_url)}/app/accounts/\d+/conversations/\d+",
        str(link.get_attribute("href")),
    )
    first_load = transfers.bytes

    # A conversation switch loads a new page, so the iframe reloads: no second login.
    transfers.bytes = transfers.requests = 0
    page.locator(f'nav a[href="{path_of(second)}"]').click()
    page.wait_for_url(f"**{path_of(second)}")
    expected = similar_ids(world, second)
    assert shown_similar(frame, expected) == expected
    expect(frame.locator('form[data-testid="login"]')).to_have_count(0)
    expect_contact_facts(world, frame, second)  # attributes, no labels read yet
    switch_ms = first_result_ms(page)
    world.figures.append(
        f"panel first load {first_load / 1024:.1f} KB from search-api (HTML, CSS, JS and "
        f"the API's answers up to its first result; auth's not counted); after a switch "
        f"{transfers.bytes / 1024:.1f} KB in {transfers.requests} requests, first result "
        f"{switch_ms:.0f} ms after the frame's navigation started"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "panel.png"))

    # The search box holds the customer's last message; a search opens a conversation.
    last = [m.content for m in second.messages if m.incoming and not m.private][-1]
    box = frame.get_by_role("searchbox", name="Search")
    expect(box).to_have_value(last)
    box.press("Enter")
    results = frame.locator(RESULT)
    expect(results.first).to_be_visible(timeout=30_000)
    opened = str(results.first.get_attribute("data-conversation-id"))
    assert re.fullmatch(r"cw:\d+:\d+", opened)
    results.first.get_by_role("button", name="View conversation").click()
    view = frame.get_by_role("region", name=f"conversation {opened}")
    expect(view).to_be_visible()
    expect(view.locator(".message").first).to_be_visible()
    view.get_by_role("button", name="Back to results").click()
    expect(results.first).to_be_visible()

    # Readable at 360 px (the simulated Chatwoot gives the panel the whole width there), the
    # contact's attributes included: nothing wider than the panel.
    page.set_viewport_size({"width": 360, "height": 740})
    expect(frame.locator(ATTRIBUTES)).to_be_visible()
    panel = next(f for f in page.frames if f.url.split("?")[0].endswith("/app/chatwoot"))
    root = "document.documentElement"
    assert panel.evaluate(f"{root}.scrollWidth <= {root}.clientWidth")


def test_a_context_from_another_origin_is_ignored(
    world: PanelWorld, context: BrowserContext
) -> None:
    """The page holds its own context back (``post=0``) while a frame on another origin posts
    a forged context for another conversation again and again; the panel waits, asks Chatwoot
    with fetch-info and shows the real conversation only."""
    real = world.corpus.conversations[2]
    forger = f"http://127.0.0.1:{world.chatwoot_port}"  # same server, another origin
    page = context.new_page()
    page.goto(f"{world.chatwoot_url}{path_of(real)}?post=0&forger={forger}")
    frame = page.frame_locator(FRAME)
    log_in(frame)
    forger_frame = next(f for f in page.frames if f.url.endswith("/forger"))
    expect(forger_frame.locator("body[data-posted]")).to_have_count(1)
    expected = similar_ids(world, real)
    assert shown_similar(frame, expected) == expected
    panel = next(f for f in page.frames if f.url.split("?")[0].endswith("/app/chatwoot"))
    assert panel.evaluate("document.documentElement.dataset.theme") == "light"  # forged: dark


def test_search_page_logs_in_searches_pages_and_shows_errors_by_keyboard(
    world: PanelWorld, context: BrowserContext
) -> None:
    page = context.new_page()
    transfers = Transfers(page, world.app_url)
    page.goto(world.app_url + "/app/")
    expect(page.locator('form[data-testid="login"] input[name="username"]')).to_be_focused()
    page.keyboard.type(USERNAME)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    box = page.get_by_role("searchbox", name="Search")
    expect(box).to_be_focused()
    world.figures.append(
        f"search page first load {transfers.bytes / 1024:.1f} KB from search-api in "
        f"{transfers.requests} requests (HTML, CSS, JS; auth's login answers not counted)"
    )
    page.keyboard.type("charged twice")
    page.keyboard.press("Enter")
    results = page.locator(RESULT)
    expect(results).to_have_count(10, timeout=30_000)
    ids = [str(results.nth(i).get_attribute("data-conversation-id")) for i in range(10)]
    assert len(set(ids)) == 10  # grouped by conversation
    expect(results.first.locator("mark").first).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=False)

    page.get_by_role("button", name="More results").click()
    expect(results).to_have_count(20, timeout=30_000)

    # Readable at 360 px: nothing wider than the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The API's reason for bad input, and the empty state.
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Inboxes").fill("first")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("inbox_ids")
    page.get_by_label("Inboxes").fill("")
    page.get_by_label("Labels", exact=True).fill("no-such-label-anywhere")
    box.press("Enter")
    expect(page.get_by_role("status").filter(has_text="No results")).to_be_visible()


def test_search_page_filters_by_a_contact_attribute_and_contact_labels(
    world: PanelWorld, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(world.app_url + "/app/")
    log_in(page)
    box = page.get_by_role("searchbox", name="Search")
    expect(box).to_be_focused()
    box.fill("charged twice")
    page.locator("summary", has_text="Filters").click()
    key = page.get_by_label("Attribute", exact=True)
    op = page.locator('select[name="attribute_op"]')  # its name includes the option shown
    value = page.get_by_label("Value", exact=True)
    key.fill("order_count")
    op.select_option("gte")
    value.fill("3")
    body = sent_search(page, lambda: box.press("Enter"))
    condition = {"key": "order_count", "op": "gte", "value": 3}  # a number, not "3"
    assert body["filters"] == {"contact_attributes": [condition]}
    hits: list[dict[str, Any]] = world.api("/v1/search", body)["hits"]  # type: ignore[assignment]
    expected = [hit["conversation"]["id"] for hit in hits]
    buyers = {
        global_id(c)
        for c in world.corpus.conversations
        if c.contact.custom_attributes.get("order_count", -1) >= 3
    }
    assert expected, "some frequent buyer wrote about a charge"
    assert set(expected) <= buyers
    assert shown_results(page, expected) == expected

    # The contact's labels (any of): only the labelled contact's conversation.
    key.fill("")
    value.fill("")
    page.get_by_label("Contact labels", exact=True).fill(", ".join(world.labelled.contact.labels))
    body = sent_search(page, lambda: box.press("Enter"))
    assert body["filters"] == {"contact_labels": list(world.labelled.contact.labels)}
    hits = world.api("/v1/search", body)["hits"]  # type: ignore[assignment]
    expected = [hit["conversation"]["id"] for hit in hits]
    assert expected
    assert set(expected) == {global_id(world.labelled)}
    assert shown_results(page, expected) == expected

    # The API's reason for a condition it refuses.
    key.fill("order_count")
    op.select_option("gt")
    value.fill("true")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("contact_attributes")


DRAFT = '[data-testid="answer-draft"]'
CITATION = '[data-testid="citation"]'
ESCALATION = '[data-testid="escalation"]'


def answer_of(world: PanelWorld, conversation: Conversation) -> dict[str, Any]:
    return world.api("/v1/answers", {"conversation_id": global_id(conversation)})


def mine(world: PanelWorld, kind: str, target: str) -> str | None:
    params = f"target_kind={kind}&target_id={target}"
    summary = world.api(f"/v1/feedback?{params}")
    return summary["mine"]  # type: ignore[return-value]


def test_panel_shows_the_cited_draft_its_escalation_hint_and_takes_thumbs_by_keyboard(
    world: PanelWorld, context: BrowserContext
) -> None:
    answers = {global_id(c): answer_of(world, c) for c in world.corpus.conversations[3:15]}
    drafted = [c for c in world.corpus.conversations[3:15] if answers[global_id(c)]["draft"]]
    escalated = [c for c in drafted if answers[global_id(c)]["escalation"]["recommended"]]
    calm = [c for c in drafted if not answers[global_id(c)]["escalation"]["recommended"]]
    assert escalated, "some demo conversation has an escalation hint"
    assert calm, "and some has none"
    page = context.new_page()
    page.goto(world.chatwoot_url + path_of(calm[0]))
    frame = page.frame_locator(FRAME)
    log_in(frame)

    # The draft, its citations in the API's order, each linking to what it cites; no hint.
    answer = answers[global_id(calm[0])]
    draft = frame.locator(DRAFT)
    expect(draft).to_be_visible(timeout=30_000)
    citations = frame.locator(CITATION)
    expect(citations).to_have_count(len(answer["citations"]))
    assert [
        citations.nth(i).get_attribute("data-citation-id") for i in range(citations.count())
    ] == [c["id"] for c in answer["citations"]]
    for i, cited in enumerate(answer["citations"]):
        expect(citations.nth(i).locator("blockquote")).to_have_text(cited["quote"])
        if cited["url"]:
            expect(citations.nth(i).get_by_role("link")).to_have_attribute("href", cited["url"])
    expect(draft.locator("a.cite").first).to_have_attribute("href", "#citation-1")
    expect(frame.locator(ESCALATION)).to_have_count(0)
    draft.get_by_role("button", name="Copy draft").press("Enter")
    expect(draft.get_by_role("status").filter(has_text="Copied.")).to_be_visible()

    # Thumbs by keyboard: up, then up again withdraws it; a similar conversation's too.
    target = global_id(calm[0])
    up = draft.get_by_role("button", name="Helpful: this draft", exact=True)
    up.focus()
    page.keyboard.press("Enter")
    expect(up).to_have_attribute("aria-pressed", "true")
    assert mine(world, "answer", target) == "up"
    page.keyboard.press("Enter")
    expect(up).to_have_attribute("aria-pressed", "false")
    assert mine(world, "answer", target) is None
    down = draft.get_by_role("button", name="Not helpful: this draft")
    down.press("Enter")
    expect(down).to_have_attribute("aria-pressed", "true")
    assert mine(world, "answer", target) == "down"
    similar = frame.locator(SIMILAR).first
    expect(similar).to_be_visible(timeout=30_000)
    rated = str(similar.get_attribute("data-conversation-id"))
    similar.get_by_role("button", name="Helpful: this conversation", exact=True).press("Enter")
    expect(
        similar.get_by_role("button", name="Helpful: this conversation", exact=True)
    ).to_have_attribute("aria-pressed", "true")
    assert mine(world, "conversation", rated) == "up"

    # A conversation switch: the hint at a glance, above the draft, with the API's reasons.
    page.locator(f'nav a[href="{path_of(escalated[0])}"]').click()
    page.wait_for_url(f"**{path_of(escalated[0])}")
    hint = frame.locator(ESCALATION)
    expect(hint).to_be_visible(timeout=30_000)
    expect(hint).to_have_attribute("role", "alert")
    reasons = answers[global_id(escalated[0])]["escalation"]["reasons"]
    expect(hint.locator("li")).to_have_count(len(reasons))
    for reason in reasons:
        expect(hint).to_contain_text(reason["detail"])
    assert hint.bounding_box()["y"] < frame.locator(DRAFT).bounding_box()["y"]  # type: ignore[index]

    # 360 px: the draft, the hint and the thumbs fit.
    page.set_viewport_size({"width": 360, "height": 740})
    panel = next(f for f in page.frames if f.url.split("?")[0].endswith("/app/chatwoot"))
    root = "document.documentElement"
    assert panel.evaluate(f"{root}.scrollWidth <= {root}.clientWidth")
    page.screenshot(path=str(SCREENSHOTS / "panel-draft.png"))
