"""Words for the case search: tokens, Swedish stems, parsed queries and highlighted snippets.

One tokenizer and one stemmer (Snowball Swedish, through PyStemmer) serve the index and the
query, on both databases: the database never splits or stems text itself. The index holds the
stems as plain lowercase words made of letters and digits only, so SQLite's FTS5 (unicode61)
and PostgreSQL's tsvector (built as a literal, no parser involved) see exactly the same tokens.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer
from markupsafe import Markup, escape

# Letters and digits; everything else (punctuation, "_", "@", "-") separates words.
WORD = re.compile(r"[^\W_]+")
MAX_WORD_LENGTH = 40  # longer "words" (hashes, base64) are not searched for
PREFIX_MIN_LENGTH = 3  # shorter query words match whole words only
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 10

_stemmer = Stemmer.Stemmer("swedish")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball Swedish stem of a lowercase word ("bygglovet" -> "bygglov")."""
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """The lowercase words of `text`, in order (over-long ones left out)."""
    return [w for w in WORD.findall(text.lower()) if len(w) <= MAX_WORD_LENGTH]


def stems(text: str) -> list[str]:
    """The stems of the words of `text`, in order (PyStemmer stems a list in C, with a cache)."""
    return _stemmer.stemWords(words(text))


@dataclass
class Term:
    """One query word (matched as a prefix of a stem) or a phrase (consecutive stems)."""

    stems: tuple[str, ...]
    prefix: bool

    @property
    def is_phrase(self) -> bool:
        return len(self.stems) > 1


@dataclass
class ParsedQuery:
    terms: list[Term] = field(default_factory=list)
    any_term: bool = False  # a hit needs one of the terms, not all (similar cases)

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def all_stems(self) -> set[str]:
        return {s for term in self.terms for s in term.stems}


QUOTED = re.compile(r'"([^"]*)"')


def term_of(stemmed: list[str], quoted: bool) -> Term | None:
    if not stemmed:
        return None
    prefix = not quoted and len(stemmed) == 1 and len(stemmed[0]) >= PREFIX_MIN_LENGTH
    return Term(tuple(stemmed), prefix)


def parse_query(text: str) -> ParsedQuery:
    """Words and "quoted phrases" of a search box. A word with punctuation inside
    (an e-mail address, a case number) is a phrase of its parts. Bounded in length and terms."""
    text = (text or "")[:MAX_QUERY_LENGTH]
    terms: list[Term] = []
    for phrase in QUOTED.findall(text):
        terms.append(term_of(stems(phrase), quoted=True))
    rest = QUOTED.sub(" ", text).replace('"', " ")
    for chunk in rest.split():
        terms.append(term_of(stems(chunk), quoted=False))
    unique: list[Term] = []
    for term in terms:
        if term is not None and term not in unique:
            unique.append(term)
    return ParsedQuery(unique[:MAX_QUERY_TERMS])


def fts5_match(query: ParsedQuery) -> str:
    """The FTS5 MATCH expression: every term required; stems are quoted (never operators)."""
    parts = []
    for term in query.terms:
        quoted = '"' + " ".join(term.stems) + '"'
        parts.append(quoted + ("*" if term.prefix else ""))
    return (" OR " if query.any_term else " AND ").join(parts)


def tsquery_literal(query: ParsedQuery) -> str:
    """The same query as a PostgreSQL tsquery literal (cast with ::tsquery, no parser)."""
    parts = []
    for term in query.terms:
        if term.is_phrase:
            parts.append("(" + " <-> ".join(f"'{s}'" for s in term.stems) + ")")
        else:
            parts.append(f"'{term.stems[0]}'" + (":*" if term.prefix else ""))
    return (" | " if query.any_term else " & ").join(parts)


MAX_POSITIONS_PER_WORD = 255  # PostgreSQL keeps at most 256 positions of a lexeme
MAX_POSITION = 16383  # and numbers positions up to this


def tsvector_literal(stemmed: list[str]) -> str:
    """A tsvector literal with positions, from stems already made (identical to FTS5's).
    Words after position MAX_POSITION all stand at MAX_POSITION, as PostgreSQL would put them."""
    positions: dict[str, list[int]] = defaultdict(list)
    for index, word in enumerate(stemmed[:MAX_POSITION], start=1):
        positions[word].append(index)
    for word in set(stemmed[MAX_POSITION:]):
        spots = positions[word]
        if not spots or spots[-1] != MAX_POSITION:
            spots.append(MAX_POSITION)
    return " ".join(
        f"'{word}':{','.join(map(str, spots[:MAX_POSITIONS_PER_WORD]))}"
        for word, spots in positions.items()
    )


# --- Snippets ---------------------------------------------------------------------------------

SNIPPET_WORDS = 24


def matches(query: ParsedQuery, stemmed: list[str], index: int) -> int:
    """How many words from `index` on are a hit of one of the query's terms (0 if none)."""
    for term in query.terms:
        size = len(term.stems)
        window = stemmed[index : index + size]
        if len(window) < size:
            continue
        if term.prefix:
            if window[0].startswith(term.stems[0]):
                return 1
        elif tuple(window) == term.stems:
            return size
    return 0


def snippet(query: ParsedQuery, text: str) -> Markup | None:
    """A short passage of `text` around the first hit, escaped, hits wrapped in <mark>; None
    when the text holds no hit."""
    spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
    stemmed = [stem(text[a:b].lower()) for a, b in spans]
    hits: list[tuple[int, int]] = []
    index = 0
    while index < len(stemmed):
        length = matches(query, stemmed, index)
        if length:
            hits.append((index, index + length))
            index += length
        else:
            index += 1
    if not hits:
        return None
    first = max(0, hits[0][0] - SNIPPET_WORDS // 3)
    last = min(len(spans), first + SNIPPET_WORDS)
    start = spans[first][0] if first > 0 else 0
    end = spans[last - 1][1] if last < len(spans) else len(text)
    pieces = ["…" if first > 0 else ""]
    cursor = start
    for hit_start, hit_end in hits:
        if hit_start < first or hit_end > last:
            continue
        a, b = spans[hit_start][0], spans[hit_end - 1][1]
        pieces.append(str(escape(text[cursor:a])))
        pieces.append(f"<mark>{escape(text[a:b])}</mark>")
        cursor = b
    pieces.append(str(escape(text[cursor:end])))
    pieces.append("…" if last < len(spans) else "")
    return Markup("".join(pieces))
