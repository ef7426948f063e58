// Thumbs up and down on a draft or a hit (POST /v1/feedback; the same thumb again withdraws
// the rating with DELETE). Each agent has one rating per target; the counts are the project's.

import { type Api, messageOf } from "./api";
import { h } from "./dom";
import type { FeedbackSummary, FeedbackTarget, Rating } from "./types";

const THUMBS: Record<Rating, { icon: string; label: string }> = {
  up: { icon: "👍", label: "Helpful" },
  down: { icon: "👎", label: "Not helpful" },
};

/** Two toggle buttons rating ``target``; ``what`` names it for screen readers. Counts show
 * once known: from ``initial`` or the answer to a click. */
export function thumbs(
  api: Api,
  target: FeedbackTarget,
  what: string,
  options: { conversationId?: string | undefined; initial?: Promise<FeedbackSummary> } = {},
): HTMLElement {
  const status = h("span", { class: "copied", role: "status" });
  const buttons = {} as Record<Rating, HTMLButtonElement>;
  const show = (summary: FeedbackSummary): void => {
    for (const rating of ["up", "down"] as const) {
      const button = buttons[rating];
      button.setAttribute("aria-pressed", String(summary.mine === rating));
      button.textContent = `${THUMBS[rating].icon} ${summary[rating]}`;
    }
  };
  const click = async (rating: Rating): Promise<void> => {
    const pressed = buttons[rating].getAttribute("aria-pressed") === "true";
    status.textContent = "";
    try {
      show(pressed ? await api.withdraw(target) : await api.rate(target, rating, options.conversationId));
      status.textContent = pressed ? "Rating withdrawn." : "Thanks for the rating.";
    } catch (error) {
      status.textContent = messageOf(error);
    }
  };
  for (const rating of ["up", "down"] as const) {
    buttons[rating] = h(
      "button",
      {
        type: "button",
        class: "thumb",
        "aria-pressed": "false",
        "aria-label": `${THUMBS[rating].label}: ${what}`,
        "data-rating": rating,
        onclick: () => void click(rating),
      },
      THUMBS[rating].icon,
    );
  }
  void options.initial?.then(show).catch(() => undefined); // counts are a nicety
  return h(
    "span",
    { class: "thumbs", role: "group", "aria-label": `Rate ${what}`, "data-testid": "feedback" },
    buttons.up,
    buttons.down,
    status,
  );
}
