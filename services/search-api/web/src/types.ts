// The shapes search-api and auth answer (see their OpenAPI documents).

export interface MessageRead {
  id: string;
  sender_type: string | null;
  sender_name: string | null;
  message_type: string | null;
  private: boolean;
  created_at: string | null;
}

export interface ContextMessage extends MessageRead {
  content: string | null;
}

export interface ConversationSummary {
  id: string; // cw:<account>:<display id>
  display_id: number | null;
  account_id: number | null;
  inbox_id: number | null;
  status: string | null;
  labels: string[];
  contact: { id: string; name: string | null } | null;
  url: string | null; // the conversation in Chatwoot
}

// A message hit (search, similar conversations); a search also returns KnowledgeHits.
export interface SearchHit {
  chunk_id: string;
  kind: "message";
  text: string;
  highlight: string | null; // HTML-escaped text with <mark> around keyword matches
  message: MessageRead;
  conversation: ConversationSummary;
  context: { before: ContextMessage[]; after: ContextMessage[] } | null;
  // Similar conversations: the agent reply that resolved it (absent on older servers).
  resolution?: ContextMessage | null;
}

export interface DocumentSummary {
  id: string; // cwart:<account>:<article> or kbdoc:<uuid>
  title: string;
  url: string | null;
  category: string;
  locale: string | null;
  version: number;
}

// A Help Center article or an uploaded document.
export interface KnowledgeHit {
  chunk_id: string;
  kind: "article" | "document";
  text: string;
  highlight: string | null;
  document: DocumentSummary;
  heading_path: string[] | null;
  page_number: number | null;
}

export interface SearchResponse {
  hits: SearchHit[];
  next_cursor: string | null;
}

export interface MixedSearchResponse {
  hits: (SearchHit | KnowledgeHit)[];
  next_cursor: string | null;
}

export interface ConversationRead {
  conversation: ConversationSummary;
  messages: ContextMessage[];
  truncated: boolean;
}

export interface Me {
  user: { id: string; username: string; is_admin: boolean };
  credential: string;
  project_id: string | null;
  role: string | null;
  scopes: string[];
}

export interface Project {
  id: string;
  name: string;
  role: string;
}

export interface TokenSession {
  token: string;
  expires_at: string;
}

export type AttributeValue = string | number | boolean;

export interface AttributeCondition {
  key: string;
  op: string;
  value?: AttributeValue | AttributeValue[];
}

export interface SearchFilters {
  inbox_ids?: unknown[];
  contact_ids?: string[];
  statuses?: string[];
  labels?: string[];
  contact_labels?: string[]; // any of
  contact_attributes?: AttributeCondition[];
  sender_types?: string[];
  created_after?: string;
  created_before?: string;
  include_private?: boolean;
}

export interface SearchRequest {
  q: string;
  mode?: string;
  group_by?: "none" | "conversation";
  context?: number;
  limit?: number;
  cursor?: string;
  filters?: SearchFilters;
}

export interface ContactSearchRequest {
  q?: string;
  filters?: { contact_ids?: string[] };
  limit?: number;
}

export interface ContactListItem {
  id: string; // cwc:<account>:<contact id>
  name: string | null;
  custom_attributes: Record<string, unknown>;
  labels: string[];
  conversation_count: number;
  last_activity_at: string | null;
  url: string | null; // the contact in Chatwoot
}

export interface ContactSearchResponse {
  contacts: ContactListItem[];
  next_cursor: string | null;
}

// POST /v1/answers: a draft with [id] markers naming its citations.
export interface Citation {
  kind: "message" | "article" | "document";
  id: string; // cwmsg:<account>:<message>, cwart:<account>:<article> or kbdoc:<uuid>
  url: string | null; // the cited conversation in Chatwoot, or the article's page
  quote: string;
}

export interface Answer {
  draft: string;
  citations: Citation[];
  confidence: number;
  escalation: { recommended: boolean; reasons: { code: string; detail: string }[] };
  generator: string;
}

export type FeedbackKind = "answer" | "conversation" | "message" | "article" | "document";
export type Rating = "up" | "down";

export interface FeedbackTarget {
  kind: FeedbackKind;
  id: string;
}

export interface FeedbackSummary {
  target: FeedbackTarget;
  up: number;
  down: number;
  mine: Rating | null;
  my_comment: string | null;
}
