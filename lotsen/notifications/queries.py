"""Reading a user's notifications."""

from sqlalchemy import select

from lotsen.notifications.models import Notification
from lotsen.pagination import Page, paginate


def notifications_page(user, cursor: str | None, per_page: int) -> Page:
    """`user`'s notifications, newest first (keyset index ix_notifications_user)."""
    query = select(Notification).where(Notification.user_id == user.id)
    return paginate(query, Notification.id, Notification.id, cursor, per_page, descending=True)
