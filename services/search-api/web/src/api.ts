// Calls to search-api (this page's origin) and auth, with the session kept in sessionStorage
// and sent as a bearer token: inside Chatwoot's cross-site iframe no cookie would reach us,
// and a header cannot be forged by another site (no CSRF).

import type { Config } from "./config";
import type {
  Answer,
  ContactSearchRequest,
  ContactSearchResponse,
  ConversationRead,
  FeedbackSummary,
  FeedbackTarget,
  Me,
  Project,
  Rating,
  SearchRequest,
  MixedSearchResponse,
  SearchResponse,
  TokenSession,
} from "./types";

const TOKEN_KEY = "parley.session";
const TOKEN_COOKIE = "parley_panel_session";
// Inside Chatwoot's cross-site iframe a browser that blocks third-party cookies also denies
// sessionStorage; a partitioned cookie (CHIPS) that only this script reads still works
// there. It has no Max-Age (it ends with the browser session), is scoped to /app/, and the
// server never reads it: it is not a credential by itself, so no CSRF can use it.
const COOKIE_ATTRIBUTES = "Path=/app/; SameSite=None; Secure; Partitioned";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function storage(): Storage | null {
  try {
    const store = window.sessionStorage;
    store.getItem(TOKEN_KEY);
    return store;
  } catch {
    return null; // denied in a third-party context
  }
}

function cookieToken(): string | null {
  const prefix = `${TOKEN_COOKIE}=`;
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : null;
}

let memory: string | null = null; // when the browser keeps nothing at all

export const session = {
  token(): string | null {
    return storage()?.getItem(TOKEN_KEY) ?? cookieToken() ?? memory;
  },
  keep(token: string): void {
    memory = token;
    const store = storage();
    if (store) store.setItem(TOKEN_KEY, token);
    else document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; ${COOKIE_ATTRIBUTES}`;
  },
  forget(): void {
    memory = null;
    storage()?.removeItem(TOKEN_KEY);
    if (cookieToken() !== null) document.cookie = `${TOKEN_COOKIE}=; Max-Age=0; ${COOKIE_ATTRIBUTES}`;
  },
};

async function call<T>(url: string, method: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const token = session.token();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const init: RequestInit = { method, headers, credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "network_error", "Parley cannot be reached; check the connection and try again.");
  }
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401) session.forget();
    const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? "http_error", error?.message ?? `HTTP ${response.status}`);
  }
  return data as T;
}

export class Api {
  constructor(private readonly config: Config) {}

  private auth<T>(method: string, path: string, body?: unknown): Promise<T> {
    return call<T>(`${this.config.authUrl}/v1/auth${path}`, method, body);
  }

  async login(username: string, password: string): Promise<void> {
    const created = await this.auth<TokenSession>("POST", "/login/token", { username, password });
    session.keep(created.token);
  }

  async logout(): Promise<void> {
    try {
      await this.auth<void>("POST", "/logout");
    } finally {
      session.forget();
    }
  }

  /** The signed-in user, or null when no session is kept or it has ended. */
  async me(): Promise<Me | null> {
    if (session.token() === null) return null;
    try {
      return await this.auth<Me>("GET", "/me");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  }

  projects(): Promise<Project[]> {
    return this.auth<Project[]>("GET", "/projects");
  }

  activate(projectId: string): Promise<Me> {
    return this.auth<Me>("PUT", "/session/active-project", { project_id: projectId });
  }

  search(body: SearchRequest): Promise<MixedSearchResponse> {
    return call<MixedSearchResponse>("/v1/search", "POST", body);
  }

  contacts(body: ContactSearchRequest): Promise<ContactSearchResponse> {
    return call<ContactSearchResponse>("/v1/contacts/search", "POST", body);
  }

  conversation(id: string): Promise<ConversationRead> {
    return call<ConversationRead>(`/v1/conversations/${encodeURIComponent(id)}`, "GET");
  }

  similar(id: string): Promise<SearchResponse> {
    return call<SearchResponse>(`/v1/conversations/${encodeURIComponent(id)}/similar`, "GET");
  }

  answer(conversationId: string): Promise<Answer> {
    return call<Answer>("/v1/answers", "POST", { conversation_id: conversationId });
  }

  feedback(target: FeedbackTarget): Promise<FeedbackSummary> {
    return call<FeedbackSummary>(`/v1/feedback?${feedbackQuery(target)}`, "GET");
  }

  rate(target: FeedbackTarget, rating: Rating, conversationId?: string | undefined): Promise<FeedbackSummary> {
    return call<FeedbackSummary>("/v1/feedback", "POST", { target, rating, conversation_id: conversationId });
  }

  withdraw(target: FeedbackTarget): Promise<FeedbackSummary> {
    return call<FeedbackSummary>(`/v1/feedback?${feedbackQuery(target)}`, "DELETE");
  }
}

function feedbackQuery(target: FeedbackTarget): string {
  return new URLSearchParams({ target_kind: target.kind, target_id: target.id }).toString();
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) {
    // The session ended (expired, logged out elsewhere): start again at the login form.
    window.setTimeout(() => location.reload(), 1500);
    return "Your Parley session has ended; log in again.";
  }
  if (error instanceof ApiError) return error.message;
  return "Something went wrong; try again.";
}
