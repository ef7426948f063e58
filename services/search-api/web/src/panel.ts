// The Chatwoot panel, /app/chatwoot: a Dashboard App beside the conversation. It takes
// appContext only from PARLEY_CHATWOOT_BASE_URL's origin, asks for it (fetch-info) when it
// has not come, and shows a cited draft reply with the escalation hint, the customer's
// attributes and labels, similar resolved conversations with their resolving reply, the
// customer's other conversations, and a search prefilled with the customer's last message;
// drafts and hits take thumbs up or down.

import { Api, messageOf } from "./api";
import { type AppContext, FETCH_INFO, parseAppContext } from "./chatwoot";
import { answerFor } from "./answer";
import { readConfig } from "./config";
import { h } from "./dom";
import { thumbs } from "./feedback";
import { contactConversation, contactFacts, errorLine, similarConversation, statusLine } from "./render";
import { ResultList } from "./results";
import { signIn } from "./signin";
import type { ContextMessage, Me, SearchHit } from "./types";

const ASK_AFTER_MS = 1000;
const MAX_QUERY = 1000;

function contextFrom(origin: string): Promise<AppContext> {
  return new Promise((resolve) => {
    let asked = 0;
    const timer = window.setInterval(() => {
      // Chatwoot posts on the iframe's load; ask again if that message was missed.
      if (asked++ < 5 && window.parent !== window) window.parent.postMessage(FETCH_INFO, origin);
    }, ASK_AFTER_MS);
    const listener = (event: MessageEvent): void => {
      if (event.origin !== origin) return; // only the configured Chatwoot speaks to us
      const context = parseAppContext(event.data);
      if (context === null) return;
      window.clearInterval(timer);
      window.removeEventListener("message", listener);
      resolve(context);
    };
    window.addEventListener("message", listener);
  });
}

function resolvedFirst(hits: SearchHit[]): SearchHit[] {
  const resolved = hits.filter((hit) => hit.conversation.status === "resolved");
  return [...resolved, ...hits.filter((hit) => hit.conversation.status !== "resolved")];
}

function lastCustomerMessage(messages: ContextMessage[]): string {
  const incoming = messages.filter((m) => m.message_type === "incoming" && !m.private && m.content);
  return (incoming.at(-1)?.content ?? "").slice(0, MAX_QUERY);
}

function section(title: string, ...children: HTMLElement[]): HTMLElement {
  const id = `section-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

async function similar(api: Api, context: AppContext, into: HTMLElement): Promise<void> {
  const response = await api.similar(context.conversationId);
  const hits = resolvedFirst(response.hits);
  into.replaceChildren(
    hits.length === 0
      ? statusLine("No similar conversations yet.")
      : h(
          "ol",
          { class: "hits" },
          ...hits.map((hit) =>
            similarConversation(
              hit,
              thumbs(api, { kind: "conversation", id: hit.conversation.id }, "this conversation", {
                conversationId: context.conversationId,
              }),
            ),
          ),
        ),
  );
  performance.mark("parley:first-result"); // time to first result (tests/browser reads it)
}

/** The customer's attributes and labels as Parley holds them; nothing when it has none. */
async function customer(api: Api, context: AppContext, into: HTMLElement): Promise<void> {
  if (context.contactId === null) return;
  const response = await api.contacts({ filters: { contact_ids: [context.contactId] }, limit: 1 });
  const contact = response.contacts[0];
  const facts = contact === undefined ? null : contactFacts(contact);
  if (facts !== null) into.replaceChildren(section("This customer", facts));
}

async function contactsOthers(api: Api, context: AppContext, query: string, into: HTMLElement): Promise<void> {
  if (context.contactId === null || query === "") {
    into.replaceChildren(statusLine("No other conversations found."));
    return;
  }
  const response = await api.search({
    q: query,
    group_by: "conversation",
    limit: 6,
    filters: { contact_ids: [context.contactId] },
  });
  const others = response.hits
    .filter((hit): hit is SearchHit => hit.kind === "message" && hit.conversation.id !== context.conversationId)
    .slice(0, 5);
  into.replaceChildren(
    others.length === 0
      ? statusLine("No other conversations with this customer.")
      : h("ol", { class: "hits" }, ...others.map(contactConversation)),
  );
}

async function show(api: Api, root: HTMLElement, me: Me, context: AppContext): Promise<void> {
  const customerSlot = h("div");
  const draftSlot = h("div", { "aria-live": "polite" }, statusLine("Drafting a reply…", true));
  const similarList = h("div", { "aria-live": "polite" }, statusLine("Finding similar conversations…", true));
  const othersList = h("div", { "aria-live": "polite" }, statusLine("Loading…", true));
  const results = new ResultList(api, context.conversationId);
  const q = h("input", { name: "q", type: "search", required: true, maxlength: MAX_QUERY, "aria-label": "Search" });
  const form = h("form", { class: "search", role: "search" }, h("div", { class: "query" }, q, h("button", { type: "submit" }, "Search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void results.run({ q: q.value, group_by: "conversation", context: 1, limit: 5 });
  });
  const logout = h(
    "button",
    { type: "button", class: "link", onclick: () => void api.logout().finally(() => location.reload()) },
    "Log out",
  );
  root.replaceChildren(
    h("header", { class: "bar" }, h("h1", {}, "Parley"), h("span", { class: "user" }, me.user.username, " ", logout)),
    h(
      "main",
      { class: "panel" },
      section("Suggested reply", draftSlot),
      customerSlot,
      section("Similar resolved conversations", similarList),
      section("This customer's other conversations", othersList),
      section("Search", form, results.element),
    ),
  );
  const conversation = api.conversation(context.conversationId);
  await Promise.all([
    answerFor(api, context.conversationId, draftSlot),
    customer(api, context, customerSlot).catch((error: unknown) =>
      customerSlot.replaceChildren(section("This customer", errorLine(messageOf(error)))),
    ),
    similar(api, context, similarList).catch((error: unknown) => similarList.replaceChildren(errorLine(messageOf(error)))),
    conversation
      .then((read) => {
        const query = lastCustomerMessage(read.messages);
        q.value = query;
        return contactsOthers(api, context, query, othersList);
      })
      .catch((error: unknown) => othersList.replaceChildren(errorLine(messageOf(error)))),
  ]);
}

async function main(): Promise<void> {
  const config = readConfig();
  const api = new Api(config);
  const root = document.getElementById("app") as HTMLElement;
  if (config.chatwootOrigin === "") {
    root.replaceChildren(
      errorLine("This panel works inside Chatwoot: set PARLEY_CHATWOOT_BASE_URL on search-api to your Chatwoot's URL."),
    );
    return;
  }
  const context = contextFrom(config.chatwootOrigin);
  void context.then((c) => {
    if (c.theme !== null) document.documentElement.dataset["theme"] = c.theme;
  });
  const me = await signIn(api, root);
  root.replaceChildren(statusLine("Waiting for the conversation from Chatwoot…", true));
  await show(api, root, me, await context);
}

void main();
