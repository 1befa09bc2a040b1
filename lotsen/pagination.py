"""Keyset pagination: pages are found by the last row seen, never by OFFSET.

A cursor is an opaque URL-safe token holding the sort value and id of the last row of the page.
A tampered or stale cursor simply starts the list from the top.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_

from lotsen.extensions import db


@dataclass
class Page:
    items: list
    next_cursor: str | None
    is_first: bool


def encode_cursor(value, row_id: int) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None):
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, row_id = json.loads(raw)
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["dt"])
        if not isinstance(row_id, int) or isinstance(value, (list, dict)):
            return None
        return value, row_id
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        return None


def paginate(query, sort_column, id_column, cursor: str | None, per_page: int, descending=False):
    """Run `query` ordered by (sort_column, id_column) and return one Page after `cursor`.

    The sort column must not be NULL for the rows listed (use coalesce in the caller if needed).
    """
    position = decode_cursor(cursor)
    if position is not None:
        value, row_id = position
        if descending:
            condition = or_(sort_column < value, and_(sort_column == value, id_column < row_id))
        else:
            condition = or_(sort_column > value, and_(sort_column == value, id_column > row_id))
        query = query.where(condition)
    if descending:
        query = query.order_by(sort_column.desc(), id_column.desc())
    else:
        query = query.order_by(sort_column.asc(), id_column.asc())
    rows = list(db.session.scalars(query.limit(per_page + 1)))
    items = rows[:per_page]
    next_cursor = None
    if len(rows) > per_page:
        last = items[-1]
        next_cursor = encode_cursor(getattr(last, sort_column.key), getattr(last, id_column.key))
    return Page(items=items, next_cursor=next_cursor, is_first=position is None)
