// A list of search results with "more" through the API's cursor, its empty, loading and
// error states, and the conversation a result opens. Used by the search page and the panel.

import { Api, messageOf } from "./api";
import { h } from "./dom";
import { thumbs } from "./feedback";
import { conversationView, errorLine, knowledgeResult, searchResult, statusLine } from "./render";
import type { SearchRequest } from "./types";

export class ResultList {
  readonly element = h("section", { class: "results", "aria-label": "search results" });
  private readonly list = h("ol", { class: "hits" });
  private readonly state = h("div", { "aria-live": "polite" });
  private readonly more = h("button", { type: "button", class: "more", hidden: true }, "More results");
  private request: SearchRequest | null = null;
  private cursor: string | null = null;
  private generation = 0;

  /** ``conversationId``: the conversation the agent has open (the panel's), sent with ratings. */
  constructor(
    private readonly api: Api,
    private readonly conversationId?: string,
  ) {
    this.more.addEventListener("click", () => void this.page());
    this.element.append(this.state, this.list, this.more);
  }

  async run(request: SearchRequest): Promise<void> {
    this.request = request;
    this.cursor = null;
    this.list.replaceChildren();
    await this.page();
  }

  private async page(): Promise<void> {
    const request = this.request;
    if (request === null) return;
    const generation = ++this.generation;
    this.more.hidden = true;
    this.state.replaceChildren(statusLine("Searching…", true));
    try {
      const body: SearchRequest = this.cursor ? { ...request, cursor: this.cursor } : request;
      const response = await this.api.search(body);
      if (generation !== this.generation) return; // a newer search replaced this one
      const firstNew = this.list.children.length;
      for (const hit of response.hits) {
        const options = { conversationId: this.conversationId };
        this.list.append(
          hit.kind === "message"
            ? searchResult(hit, (id) => void this.open(id), thumbs(this.api, { kind: "message", id: hit.message.id }, "this result", options))
            : knowledgeResult(hit, thumbs(this.api, { kind: hit.kind, id: hit.document.id }, "this result", options)),
        );
      }
      this.cursor = response.next_cursor;
      this.more.hidden = this.cursor === null;
      const count = this.list.children.length;
      this.state.replaceChildren(statusLine(count === 0 ? "No results. Try other words or fewer filters." : `${count} results`));
      if (firstNew > 0) (this.list.children[firstNew]?.querySelector("button") as HTMLElement | null)?.focus();
    } catch (error) {
      if (generation !== this.generation) return;
      this.state.replaceChildren(errorLine(messageOf(error)));
    }
  }

  private async open(id: string): Promise<void> {
    this.state.replaceChildren(statusLine("Loading the conversation…", true));
    try {
      const read = await this.api.conversation(id);
      const view = conversationView(read, () => {
        view.remove();
        this.list.hidden = false;
        this.more.hidden = this.cursor === null;
        this.state.replaceChildren();
        (this.list.querySelector(`[data-conversation-id="${CSS.escape(id)}"] button`) as HTMLElement | null)?.focus();
      });
      this.list.hidden = true;
      this.more.hidden = true;
      this.state.replaceChildren();
      this.element.append(view);
      view.focus();
    } catch (error) {
      this.state.replaceChildren(errorLine(messageOf(error)));
    }
  }
}
