from __future__ import annotations

from parley_schema.errors import ParleyError


class SignupUnavailable(ParleyError):
    """No Telegram owner to send PINs to (and the development PIN log is off)."""

    code = "signup_unavailable"
    status = 503


class TooManyPendingSignups(ParleyError):
    code = "too_many_pending_signups"
    status = 429


class ConfirmationsPaused(ParleyError):
    """The global budget of wrong PINs is spent: every confirmation waits for the window."""

    code = "confirmations_paused"
    status = 429


class SignupNotFound(ParleyError):
    code = "signup_not_found"
    status = 404


class SignupExpired(ParleyError):
    code = "signup_expired"
    status = 410


class SignupUsed(ParleyError):
    code = "signup_used"
    status = 409


class SignupLocked(ParleyError):
    """Too many wrong PINs: the request is dead; sign up again."""

    code = "signup_locked"
    status = 410


class WrongPin(ParleyError):
    code = "wrong_pin"
    status = 400
