// Chatwoot's Dashboard App messages (app/javascript/dashboard/components/widgets/
// DashboardApp/Frame.vue): on load Chatwoot posts the JSON *string*
// {"event": "appContext", "data": {conversation, contact, currentAgent}} to "*", and posts it
// again when the app sends "chatwoot-dashboard-app:fetch-info". Its ids are hints only: the
// server answers 404 for a conversation outside the agent's project.

export const FETCH_INFO = "chatwoot-dashboard-app:fetch-info";

export interface AppContext {
  conversationId: string; // cw:<account>:<display id>
  contactId: string | null; // cwc:<account>:<contact id>
  theme: "light" | "dark" | null;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function positiveInt(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

/** The context of an appContext message, or null for anything else. */
export function parseAppContext(raw: unknown): AppContext | null {
  if (typeof raw !== "string") return null;
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return null;
  }
  const envelope = record(message);
  const data = record(envelope?.["data"]);
  if (envelope?.["event"] !== "appContext" || data === null) return null;
  const conversation = record(data["conversation"]);
  const account = positiveInt(conversation?.["account_id"]);
  const display = positiveInt(conversation?.["id"]);
  if (account === null || display === null) return null;
  const sender = record(record(conversation?.["meta"])?.["sender"]);
  const contact = positiveInt(record(data["contact"])?.["id"]) ?? positiveInt(sender?.["id"]);
  const theme = data["theme"];
  return {
    conversationId: `cw:${account}:${display}`,
    contactId: contact === null ? null : `cwc:${account}:${contact}`,
    theme: theme === "dark" || theme === "light" ? theme : null,
  };
}
