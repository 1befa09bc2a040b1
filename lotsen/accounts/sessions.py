"""Log-in sessions: what the session and remember-me cookies carry, and when it stops counting.

Both cookies carry one session id, "<user id>:<nonce>:<log-in time>:<r|s>", signed with the
secret key. The nonce is the user's current `session_nonce`: log-out, a new password and
deactivation replace it, so every copy of either cookie stops working at once on the server,
whatever the browser keeps. The log-in time bounds a session on the server too: a remembered
log-in lasts REMEMBER_COOKIE_DAYS, one without "remember me" SESSION_LIFETIME_HOURS.
"""

from datetime import timedelta

from flask import current_app
from flask_login import login_user

from lotsen.accounts.models import User
from lotsen.db_types import utcnow
from lotsen.extensions import db


def session_id(user: User, remember: bool) -> str:
    issued = int(utcnow().timestamp())
    return f"{user.id}:{user.session_nonce}:{issued}:{'r' if remember else 's'}"


def lifetime(remember: bool) -> timedelta:
    config = current_app.config
    if remember:
        return timedelta(days=config["REMEMBER_COOKIE_DAYS"])
    return timedelta(hours=config["SESSION_LIFETIME_HOURS"])


def user_for_session_id(value: str) -> User | None:
    """The active user whose live session `value` is, or None (revoked, expired, malformed)."""
    parts = value.split(":")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit():
        return None
    user_id, nonce, issued, kind = parts
    if kind not in ("r", "s"):
        return None
    age = utcnow().timestamp() - int(issued)
    if not 0 <= age <= lifetime(kind == "r").total_seconds() or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    user.session_id = value
    return user


def start_session(user: User, remember: bool = False) -> None:
    """Log `user` in (session cookie, and the remember-me cookie when asked for)."""
    user.session_id = session_id(user, remember)
    login_user(user, remember=remember)
