"""The Telegram Bot API: sending signup PINs to the instance owner, binding the owner's chat."""
