// The panel's draft for the open conversation (POST /v1/answers): the escalation hint first,
// the draft with its citations as numbered links, a copy button and thumbs.

import { type Api, messageOf } from "./api";
import { h } from "./dom";
import { thumbs } from "./feedback";
import { copy, errorLine, statusLine } from "./render";
import type { Answer, Citation } from "./types";

const MARKER = /\[((?:cwmsg|cwart):\d+:\d+|kbdoc:[0-9a-f-]{36})\]/g;
const KIND_NAME = { message: "Past reply", article: "Help Center article", document: "Document" };
const REASON_NAME: Record<string, string> = {
  trigger_phrase: "trigger phrase",
  negative_sentiment: "negative sentiment",
  low_confidence: "low confidence",
};

/** The draft as the agent would send it: without the [id] markers. */
export function plainDraft(draft: string): string {
  return draft.replace(MARKER, "").replace(/[ \t]+([.,;:!?])/g, "$1").replace(/[ \t]{2,}/g, " ").trim();
}

function escalation(answer: Answer): HTMLElement | null {
  if (!answer.escalation.recommended) return null;
  const reasons = answer.escalation.reasons.map((r) => `${REASON_NAME[r.code] ?? r.code}: ${r.detail}`);
  return h(
    "div",
    { class: "escalation", role: "alert", "data-testid": "escalation" },
    h("strong", {}, "Escalation recommended"),
    h("ul", {}, ...reasons.map((reason) => h("li", {}, reason))),
  );
}

function draftText(answer: Answer, numbers: Map<string, number>): HTMLElement {
  const text = h("p", { class: "draft-text" });
  let at = 0;
  for (const match of answer.draft.matchAll(MARKER)) {
    const number = numbers.get(match[1] ?? "");
    text.append(answer.draft.slice(at, match.index));
    text.append(
      number === undefined
        ? match[0]
        : h("a", { href: `#citation-${number}`, class: "cite", "aria-label": `source ${number}` }, `[${number}]`),
    );
    at = (match.index ?? 0) + match[0].length;
  }
  text.append(answer.draft.slice(at));
  return text;
}

function citation(item: Citation, number: number): HTMLElement {
  const open = item.kind === "message" ? "Open the conversation in Chatwoot" : "Open the document";
  return h(
    "li",
    { id: `citation-${number}`, "data-testid": "citation", "data-citation-id": item.id },
    h("span", { class: "label" }, KIND_NAME[item.kind]),
    " ",
    item.url ? h("a", { href: item.url, target: "_blank", rel: "noopener noreferrer" }, open) : null,
    h("blockquote", {}, item.quote),
  );
}

function rendered(api: Api, conversationId: string, answer: Answer): HTMLElement[] {
  const hint = escalation(answer);
  if (!answer.draft) {
    return [hint, statusLine("No draft: nothing similar has been resolved or written down yet.")].filter(
      (e): e is HTMLElement => e !== null,
    );
  }
  const numbers = new Map(answer.citations.map((c, index) => [c.id, index + 1]));
  const status = h("span", { class: "copied", role: "status" });
  const copyButton = h(
    "button",
    {
      type: "button",
      onclick: () =>
        void copy(plainDraft(answer.draft)).then((done) => {
          status.textContent = done ? "Copied." : "Copy failed; select the text instead.";
        }),
    },
    "Copy draft",
  );
  const target = { kind: "answer", id: conversationId } as const;
  const draft = h(
    "div",
    { class: "draft", "data-testid": "answer-draft" },
    draftText(answer, numbers),
    h("p", { class: "actions" }, copyButton, status, thumbs(api, target, "this draft", { initial: api.feedback(target) })),
    answer.citations.length === 0
      ? null
      : h("ol", { class: "citations", "aria-label": "Sources of the draft" }, ...answer.citations.map((c, i) => citation(c, i + 1))),
  );
  return hint === null ? [draft] : [hint, draft];
}

export async function answerFor(api: Api, conversationId: string, into: HTMLElement): Promise<void> {
  try {
    const answer = await api.answer(conversationId);
    into.replaceChildren(...rendered(api, conversationId, answer));
  } catch (error) {
    into.replaceChildren(errorLine(messageOf(error)));
  }
}
