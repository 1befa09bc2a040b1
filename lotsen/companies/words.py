"""Words of a company's name and town, as the search box sees them."""

import re

WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    return WORD.findall(text.lower())


def words_begin_words(name: str | None, town: str | None, wanted: str | None) -> bool:
    """Whether every word of `wanted` begins a word of the name or the town (an SQL function on
    SQLite: it checks the matches of a shortened FTS5 prefix query)."""
    words = words_of(f"{name or ''} {town or ''}")
    return all(any(word.startswith(w) for word in words) for w in (wanted or "").split())
