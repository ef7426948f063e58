// Thumbs up and down on a draft or a hit (POST /v1/feedback; the same thumb again withdraws
// the rating with DELETE). Each agent has one rating per target; the counts are the project's.

import { type Api, messageOf } from "./api";
import { h } from "./dom";
import type { FeedbackSummary, FeedbackTarget, Rating } from "./types";

const THUMBS: Record<Rating, { label: string; flip: boolean }> = {
  up: { label: "Helpful", flip: false },
  down: { label: "Not helpful", flip: true },
};
// A thumb drawn in a 24-unit box (no emoji font needed): a cuff and a hand, thumb up.
const THUMB_PATH = "M2 10h4v11H2zM8 10l4-7c1-1 3 0 2.5 2l-1 4H20c1.2 0 2 1 1.8 2.2l-1.5 8.1c-.2 1-1 1.7-2 1.7H8z";
const SVG = "http://www.w3.org/2000/svg";

function icon(flip: boolean): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", flip ? "icon flip" : "icon");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", THUMB_PATH);
  svg.append(path);
  return svg;
}

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
      button.replaceChildren(icon(THUMBS[rating].flip), ` ${summary[rating]}`);
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
      icon(THUMBS[rating].flip),
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
