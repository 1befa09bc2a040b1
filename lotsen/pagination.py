"""Keyset pagination: pages are found by the last row seen, never by OFFSET.

A cursor is an opaque URL-safe token holding the sort value and id of the last row of the page.
A tampered or stale cursor simply starts the list from the top.
"""

import base64
import json
import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, false, or_

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


def decode_cursor(token: str | None, sort_column=None, id_column=None):
    """(value, id) from `token`, or None when it is missing, tampered or of the wrong types.

    Given the columns, each value must be of the column's Python type and within what the
    database can compare, so that a hand-edited cursor never reaches the driver as a bad value.
    """
    if not token or len(token) > MAX_CURSOR_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, row_id = json.loads(raw)
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["dt"])
        if not isinstance(row_id, int) or isinstance(value, (list, dict)):
            return None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    if sort_column is not None and not fits(value, sort_column, nullable=False):
        return None
    if not fits(row_id, id_column, nullable=False):
        return None
    return value, row_id


MAX_CURSOR_LENGTH = 2000
INT_RANGE = range(-(2**63), 2**63)


def fits(value, column, nullable: bool) -> bool:
    """Whether a decoded cursor value may be compared with `column` (None: any plain value)."""
    if value is None:
        return nullable
    if isinstance(value, (bool, list, dict)):
        return False
    if isinstance(value, int) and value not in INT_RANGE:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(value, str) and "\x00" in value:
        return False
    if isinstance(value, datetime) and value.tzinfo is None:
        return False
    if column is None:
        return True
    try:
        expected = column.type.python_type
    except (AttributeError, NotImplementedError):
        return True
    if expected is object:  # a TypeDecorator (our UTCDateTime) says what it wraps
        try:
            expected = column.type.impl.python_type
        except (AttributeError, NotImplementedError):
            return True
    return type(value) is expected


def paginate(query, sort_column, id_column, cursor: str | None, per_page: int, descending=False):
    """Run `query` ordered by (sort_column, id_column) and return one Page after `cursor`.

    The sort column must not be NULL for the rows listed (use coalesce in the caller if needed).
    """
    position = decode_cursor(cursor, sort_column, id_column)
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


# --- Composite keyset: several sort columns, NULLs last --------------------------------------


@dataclass(frozen=True)
class SortKey:
    """One column of a composite sort. Nullable columns sort their NULLs last."""

    column: object
    descending: bool = False
    nullable: bool = False


def encode_position(values: list) -> str:
    encoded = [{"d": v.isoformat()} if isinstance(v, date) else v for v in values]
    raw = json.dumps(encoded, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(token: str | None, keys: list[SortKey]) -> list | None:
    """The values in `token`, or None when it is missing, tampered or of the wrong types."""
    if not token or len(token) > MAX_CURSOR_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        decoded = []
        for key, value in zip(keys, values, strict=True):
            if isinstance(value, dict):
                value = date.fromisoformat(value["d"])
            if not fits(value, key.column, key.nullable):
                return None
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def _after(keys: list[SortKey], values: list):
    """Rows after `values` in the order of `keys` (NULLs last): a nested OR of comparisons."""
    key, value = keys[0], values[0]
    column = key.column
    if value is None:
        beyond, same = false(), column.is_(None)
    else:
        beyond = column < value if key.descending else column > value
        if key.nullable:
            beyond = or_(beyond, column.is_(None))
        same = column == value
    if len(keys) == 1:
        return beyond
    return or_(beyond, and_(same, _after(keys[1:], values[1:])))


def _order(key: SortKey):
    clause = key.column.desc() if key.descending else key.column.asc()
    return clause.nulls_last() if key.nullable else clause


def paginate_by(query, keys: list[SortKey], cursor: str | None, per_page: int) -> Page:
    """Keyset pagination over several columns; the last key must be unique (the id)."""
    position = decode_position(cursor, keys)
    if position is not None:
        query = query.where(_after(keys, position))
    query = query.order_by(*(_order(key) for key in keys))
    rows = list(db.session.scalars(query.limit(per_page + 1)))
    items = rows[:per_page]
    next_cursor = None
    if len(rows) > per_page:
        last = items[-1]
        next_cursor = encode_position([getattr(last, key.column.key) for key in keys])
    return Page(items=items, next_cursor=next_cursor, is_first=position is None)
