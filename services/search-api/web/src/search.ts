// The search page, /app/: a query with mode, filters (the contact's labels and one of its
// attributes among them) and grouping; results; a conversation.

import { Api } from "./api";
import { readConfig } from "./config";
import { h } from "./dom";
import { ResultList } from "./results";
import { signIn } from "./signin";
import type { AttributeCondition, AttributeValue, Me, SearchFilters, SearchRequest } from "./types";

const STATUSES = ["open", "pending", "resolved", "snoozed"];
// The API's attribute operators (parley_search_api.attributes.schemas.AttributeOp).
const ATTRIBUTE_OPS: [string, string][] = [
  ["eq", "="],
  ["ne", "≠"],
  ["gt", ">"],
  ["gte", "≥"],
  ["lt", "<"],
  ["lte", "≤"],
  ["contains", "contains"],
  ["in", "one of (a, b)"],
  ["exists", "is set"],
];

function list(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** Inbox ids as numbers; anything else is sent as typed, for the API to refuse with a reason. */
function ids(value: string): unknown[] {
  return list(value).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** A number-looking value as a JSON number, true/false as booleans, anything else as text. */
function scalar(value: string): AttributeValue {
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

/** The one contact-attribute condition, or null when key and value are both empty; an
 * incomplete one is sent as typed, for the API to refuse with a reason. */
function condition(key: string, op: string, value: string): AttributeCondition | null {
  if (!key.trim() && !value.trim()) return null;
  const typed: AttributeCondition = { key: key.trim(), op };
  if (op === "in") typed.value = list(value).map(scalar);
  else if (value.trim()) typed.value = scalar(value);
  return typed;
}

function nextDay(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString();
}

function field(label: string, control: HTMLElement): HTMLElement {
  return h("label", { class: "field" }, h("span", {}, label), control);
}

function searchForm(me: Me, onSearch: (request: SearchRequest) => void): HTMLFormElement {
  const q = h("input", { name: "q", type: "search", required: true, maxlength: 1000, "aria-label": "Search" });
  const mode = h(
    "select",
    { name: "mode" },
    h("option", { value: "hybrid" }, "Hybrid"),
    h("option", { value: "semantic" }, "Meaning"),
    h("option", { value: "keyword" }, "Exact words"),
  );
  const group = h("input", { name: "group_by", type: "checkbox", checked: true });
  const inboxes = h("input", { name: "inbox_ids", inputmode: "numeric", placeholder: "e.g. 1, 3" });
  const labels = h("input", { name: "labels", placeholder: "e.g. billing, vip" });
  const contactLabels = h("input", { name: "contact_labels", placeholder: "any of, e.g. vip-customer" });
  const attributeKey = h("input", { name: "attribute_key", placeholder: "e.g. order_count" });
  const attributeOp = h("select", { name: "attribute_op" }, ...ATTRIBUTE_OPS.map(([op, text]) => h("option", { value: op }, text)));
  const attributeValue = h("input", { name: "attribute_value", placeholder: "e.g. 3" });
  const sender = h(
    "select",
    { name: "sender_type" },
    h("option", { value: "" }, "anyone"),
    h("option", { value: "contact" }, "customer"),
    h("option", { value: "agent" }, "agent"),
    h("option", { value: "bot" }, "bot"),
  );
  const from = h("input", { name: "created_after", type: "date" });
  const to = h("input", { name: "created_before", type: "date" });
  const statuses = STATUSES.map((status) => h("input", { type: "checkbox", name: "status", value: status }));
  const canReadPrivate = me.scopes.includes("private");
  const privateNotes = h("input", { name: "include_private", type: "checkbox" });
  const form = h(
    "form",
    { class: "search", role: "search" },
    h("div", { class: "query" }, q, h("button", { type: "submit" }, "Search")),
    h(
      "div",
      { class: "options" },
      field("Mode", mode),
      h("label", { class: "check" }, group, " Group by conversation"),
    ),
    h(
      "details",
      { class: "filters" },
      h("summary", {}, "Filters"),
      field("Inboxes", inboxes),
      h(
        "fieldset",
        {},
        h("legend", {}, "Status"),
        ...statuses.map((box) => h("label", { class: "check" }, box, ` ${box.value}`)),
      ),
      field("Labels", labels),
      field("Contact labels", contactLabels),
      h(
        "fieldset",
        {},
        h("legend", {}, "Contact attribute"),
        field("Attribute", attributeKey),
        field("Comparison", attributeOp),
        field("Value", attributeValue),
      ),
      field("Sent by", sender),
      field("From", from),
      field("To", to),
      canReadPrivate ? h("label", { class: "check" }, privateNotes, " Include private notes") : null,
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const filters: SearchFilters = {};
    if (inboxes.value.trim()) filters.inbox_ids = ids(inboxes.value);
    const chosen = statuses.filter((box) => box.checked).map((box) => box.value);
    if (chosen.length > 0) filters.statuses = chosen;
    if (labels.value.trim()) filters.labels = list(labels.value);
    if (contactLabels.value.trim()) filters.contact_labels = list(contactLabels.value);
    const attribute = condition(attributeKey.value, attributeOp.value, attributeValue.value);
    if (attribute !== null) filters.contact_attributes = [attribute];
    if (sender.value) filters.sender_types = [sender.value];
    if (from.value) filters.created_after = `${from.value}T00:00:00Z`;
    if (to.value) filters.created_before = nextDay(to.value);
    if (canReadPrivate && privateNotes.checked) filters.include_private = true;
    onSearch({
      q: q.value,
      mode: mode.value,
      group_by: group.checked ? "conversation" : "none",
      context: 1,
      limit: 10,
      filters,
    });
  });
  return form;
}

async function main(): Promise<void> {
  const api = new Api(readConfig());
  const root = document.getElementById("app") as HTMLElement;
  const me = await signIn(api, root);
  const results = new ResultList(api);
  const form = searchForm(me, (request) => void results.run(request));
  const logout = h(
    "button",
    { type: "button", class: "link", onclick: () => void api.logout().finally(() => location.reload()) },
    "Log out",
  );
  root.replaceChildren(
    h("header", { class: "bar" }, h("h1", {}, "Parley"), h("span", { class: "user" }, me.user.username, " ", logout)),
    h("main", {}, form, results.element),
  );
  (form.querySelector("input[name=q]") as HTMLInputElement).focus();
}

void main();
