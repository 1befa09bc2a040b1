"""URL converters shared by every blueprint.

Every id column is a 32-bit INTEGER, so an id in a URL is a number from 0 to 2**31 - 1; anything
larger names nothing and answers 404 before a view (or the database driver) sees it. Registered
as `int`, the converter covers every route, present and future.
"""

from werkzeug import routing

MAX_ID = 2**31 - 1


class IntegerConverter(routing.IntegerConverter):
    """`<int:...>` limited to the range of an INTEGER column (a larger value does not match).

    Named like Werkzeug's, so code that tells converters apart by name keeps working.
    """

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=min,
            max=MAX_ID if max is None else max,
            signed=signed,
        )


def bounded_int(value, maximum: int = MAX_ID) -> int | None:
    """A query argument as a non-negative id within `maximum`, or None when it is not one."""
    text = (value or "").strip() if isinstance(value, str) else value
    if isinstance(text, int):
        return text if 0 <= text <= maximum else None
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def install_converters(app) -> None:
    app.url_map.converters["int"] = IntegerConverter
