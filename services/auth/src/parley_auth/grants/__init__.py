"""Source grants: which Chatwoot accounts or inboxes a user who is not an administrator may
attach to the projects they own. Only administrators manage them."""
