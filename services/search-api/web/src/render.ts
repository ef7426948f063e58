// Search hits, similar conversations and a conversation, as elements.

import { formatDate, h, highlighted } from "./dom";
import type {
  ContactListItem,
  ContextMessage,
  ConversationRead,
  ConversationSummary,
  KnowledgeHit,
  SearchHit,
} from "./types";

function who(message: { sender_name: string | null; sender_type: string | null }): string {
  return message.sender_name ?? message.sender_type ?? "unknown";
}

function contextList(messages: ContextMessage[], where: string): HTMLElement | null {
  if (messages.length === 0) return null;
  return h(
    "ol",
    { class: `context ${where}`, "aria-label": `messages ${where}` },
    ...messages.map((message) => h("li", {}, h("span", { class: "who" }, `${who(message)}: `), message.content ?? "")),
  );
}

export function conversationMeta(conversation: ConversationSummary): HTMLElement {
  const status = conversation.status ?? "unknown";
  return h(
    "p",
    { class: "meta" },
    h("span", { class: `status status-${status}` }, status),
    ` #${conversation.display_id ?? "?"}`,
    conversation.contact?.name ? ` · ${conversation.contact.name}` : "",
    conversation.inbox_id !== null ? ` · inbox ${conversation.inbox_id}` : "",
    ...conversation.labels.flatMap((label) => [" ", h("span", { class: "label" }, label)]),
  );
}

function chatwootLink(conversation: ConversationSummary): HTMLElement | null {
  if (!conversation.url) return null;
  return h("a", { href: conversation.url, target: "_blank", rel: "noopener noreferrer" }, "Open in Chatwoot");
}

export function searchResult(hit: SearchHit, open: (id: string) => void, rating?: HTMLElement): HTMLElement {
  const text = h("p", { class: "text" });
  text.append(hit.highlight !== null ? highlighted(hit.highlight) : hit.text);
  return h(
    "li",
    { class: "hit", "data-testid": "search-result", "data-conversation-id": hit.conversation.id },
    conversationMeta(hit.conversation),
    contextList(hit.context?.before ?? [], "before"),
    h("p", { class: "who" }, `${who(hit.message)} · ${formatDate(hit.message.created_at)}`, hit.message.private ? " · private note" : ""),
    text,
    contextList(hit.context?.after ?? [], "after"),
    h(
      "p",
      { class: "actions" },
      h("button", { type: "button", onclick: () => open(hit.conversation.id) }, "View conversation"),
      " ",
      chatwootLink(hit.conversation),
      rating,
    ),
  );
}

const KIND_NAME = { article: "Help Center article", document: "Document" };

export function knowledgeResult(hit: KnowledgeHit, rating?: HTMLElement): HTMLElement {
  const text = h("p", { class: "text" });
  text.append(hit.highlight !== null ? highlighted(hit.highlight) : hit.text);
  const doc = hit.document;
  const title = doc.url ? h("a", { href: doc.url, target: "_blank", rel: "noopener noreferrer" }, doc.title) : doc.title;
  return h(
    "li",
    { class: "hit knowledge", "data-testid": "search-result", "data-document-id": doc.id },
    h(
      "p",
      { class: "meta" },
      h("span", { class: "label" }, KIND_NAME[hit.kind]),
      " ",
      h("span", { class: "label" }, doc.category),
      doc.locale ? ` · ${doc.locale}` : "",
      hit.page_number !== null ? ` · page ${hit.page_number}` : "",
    ),
    h("p", { class: "who" }, title, hit.heading_path?.length ? ` › ${hit.heading_path.join(" › ")}` : ""),
    text,
    rating ? h("p", { class: "actions" }, rating) : null,
  );
}

export async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Chatwoot's iframe grants no clipboard-write permission: the older way still works.
    const area = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

export function similarConversation(hit: SearchHit, rating?: HTMLElement): HTMLElement {
  const resolution = hit.resolution?.content ? hit.resolution : null;
  const status = h("span", { class: "copied", role: "status" });
  const body = resolution
    ? h(
        "div",
        { class: "resolution" },
        h("p", { class: "who" }, `Resolved by ${who(resolution)}:`),
        h("blockquote", {}, resolution.content ?? ""),
        h(
          "button",
          {
            type: "button",
            onclick: () =>
              void copy(resolution.content ?? "").then((done) => {
                status.textContent = done ? "Copied." : "Copy failed; select the text instead.";
              }),
          },
          "Copy reply",
        ),
        " ",
        status,
      )
    : h("p", { class: "text" }, hit.text);
  return h(
    "li",
    { class: "hit", "data-testid": "similar-conversation", "data-conversation-id": hit.conversation.id },
    conversationMeta(hit.conversation),
    body,
    h("p", { class: "actions" }, chatwootLink(hit.conversation), rating),
  );
}

export function conversationView(read: ConversationRead, back: () => void): HTMLElement {
  const close = h("button", { type: "button", onclick: back }, "Back to results");
  const view = h(
    "section",
    { class: "conversation", "aria-label": `conversation ${read.conversation.id}`, tabindex: -1 },
    h("p", {}, close),
    conversationMeta(read.conversation),
    h("p", { class: "actions" }, chatwootLink(read.conversation)),
    h(
      "ol",
      { class: "messages" },
      ...read.messages.map((message) =>
        h(
          "li",
          { class: `message ${message.message_type ?? ""}${message.private ? " private" : ""}` },
          h("p", { class: "who" }, `${who(message)} · ${formatDate(message.created_at)}`, message.private ? " · private note" : ""),
          h("p", {}, message.content ?? ""),
        ),
      ),
    ),
    read.truncated ? h("p", { class: "note" }, "Older messages are not shown.") : null,
  );
  return view;
}

export function statusLine(text: string, busy = false): HTMLElement {
  return h("p", { class: "state", role: "status", "aria-busy": busy ? "true" : undefined }, text);
}

export function errorLine(text: string): HTMLElement {
  return h("p", { class: "error", role: "alert" }, text);
}

export function contactConversation(hit: SearchHit): HTMLElement {
  return h(
    "li",
    { class: "hit", "data-testid": "contact-conversation", "data-conversation-id": hit.conversation.id },
    conversationMeta(hit.conversation),
    h("p", { class: "text" }, hit.text),
    h("p", { class: "actions" }, chatwootLink(hit.conversation)),
  );
}

function attributeText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A contact's labels and custom attributes (keys as stored, for the search page's filter),
 * or null when it has neither. */
export function contactFacts(contact: ContactListItem): HTMLElement | null {
  const attributes = Object.entries(contact.custom_attributes)
    .filter(([, value]) => value !== null && value !== "")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (attributes.length === 0 && contact.labels.length === 0) return null;
  return h(
    "div",
    { class: "contact" },
    contact.labels.length === 0
      ? null
      : h(
          "ul",
          { class: "labels", "data-testid": "contact-labels", "aria-label": "Contact labels" },
          ...contact.labels.map((label) => h("li", { class: "label" }, label)),
        ),
    attributes.length === 0
      ? null
      : h(
          "dl",
          { class: "attributes", "data-testid": "contact-attributes", "aria-label": "Contact attributes" },
          ...attributes.flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, attributeText(value))]),
        ),
    contact.url
      ? h("p", { class: "actions" }, h("a", { href: contact.url, target: "_blank", rel: "noopener noreferrer" }, "Open contact in Chatwoot"))
      : null,
  );
}
