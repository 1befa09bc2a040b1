"""Word search of the company registry that hands out its matches in list order.

Every word of the query must begin a word of the company's name or town. A page of a search
sorted by name is read from an index that is itself in list order, so the first page costs about
the same whether the words match ten companies or a million:

- PostgreSQL: the table `company_search_terms` (term, sort_name, company_id), one row per
  lexeme of the `swedish` configuration, primary key in that order. The terms that begin the
  most telling word each give a run in list order; the planner merges the runs, and every
  other word is checked by the index (company_id, term).
- SQLite: the contentless FTS5 table `company_search`, its rowid the name key (models.name_key:
  the first five characters of the sort key above the company id), read in rowid order. Key order
  is list order except among names that share those five characters (a bucket, ordered by id).
  So a page takes the postings' whole buckets in list order and the page's last bucket on its
  own: sorted when it has few matches, walked along the sort index when it has many.

Filters other than the words (section, size, status …) are applied to each round of matches;
a filter so selective that MAX_ROUNDS rounds do not fill a page falls back to a plain join.
"""

import json
from dataclasses import dataclass

from sqlalchemy import (
    Integer,
    any_,
    func,
    intersect,
    literal,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY

from lotsen.companies.models import (
    FTS_PREFIX_LENGTHS,
    ID_BITS,
    NAME_KEY_CHARACTERS,
    Company,
    bucket_prefix,
    name_bucket,
)
from lotsen.extensions import db

ID_MASK = (1 << ID_BITS) - 1
# A word that begins more distinct terms than this cannot drive the merge of runs (PostgreSQL).
MAX_TERMS_PER_WORD = 200
SORTED_BUCKET = 2000  # SQLite: a last bucket with at most this many matches is sorted
# PostgreSQL: driving rows read before words that seldom meet are intersected instead.
SCAN_BEFORE_INTERSECTING = 1500
MAX_ROUNDS = 12
MAX_ROUND_SIZE = 5000
BEYOND = "\U0010ffff"  # after every continuation of a prefix in bytewise ("C") order

Position = tuple[str, int]  # (sort_name, id): a company's place in the list


@dataclass
class PageRequest:
    query: object  # SELECT of (Company.id, Company.sort_name) with every filter but the words
    cursor: Position | None  # the last row of the previous page
    need: int  # rows wanted (a page and one more, to know whether another page follows)

    def after_cursor(self, query):
        if self.cursor is None:
            return query
        return query.where(tuple_(Company.sort_name, Company.id) > tuple_(*self.cursor))


def one_of(column, values: list):
    """column IN values, with one parameter instead of thousands: PostgreSQL `= ANY(array)`,
    SQLite `IN (SELECT value FROM json_each(…))`. (A list of that many parameters is a new
    statement for every length, each compiled and kept in the driver's statement cache.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        element_type = Integer if isinstance(column.type, Integer) else db.String
        return column == any_(literal(values, type_=ARRAY(element_type)))
    listed = func.json_each(literal(json.dumps(values), type_=db.String)).table_valued("value")
    return column.in_(select(listed.c.value))


def positions(query) -> list[Position]:
    return [(row.sort_name, row.id) for row in db.session.execute(query)]


class Postings:
    """The matches of one word query."""

    ordered = True  # False: only company_ids() may be asked

    def narrow(self, query):
        """`query` with any check the postings leave to the rows (see SqlitePostings)."""
        return query

    def company_ids(self):
        """A SELECT of the ids of every match (for other sorts and as a fallback)."""
        raise NotImplementedError

    def page(self, request: PageRequest) -> list[Position] | None:
        """Up to request.need matches after the cursor that pass the filters, in list order;
        None when the filters need more than MAX_ROUNDS rounds."""
        raise NotImplementedError


class NoMatches(Postings):
    def company_ids(self):
        return select(literal_column("0", Integer)).where(text("1 = 0"))

    def page(self, request):
        return []


# --- PostgreSQL ---------------------------------------------------------------------------


class PostgresPostings(Postings):
    def __init__(self, driver_terms: list[str], others: list[tuple[str, list[str]]], prefixes):
        """`others`: the other words as (prefix, the terms it begins, or [] when too many)."""
        self.driver_terms = driver_terms
        self.others = others
        self.other_prefixes = [prefix for prefix, _ in others]
        self.prefixes = prefixes

    def first_positions(self, after: Position | None, limit: int) -> list[Position]:
        """The first `limit` matches after `after`, in list order (a company whose several words
        begin with the driving word may come once per word, next to itself)."""
        if not self.other_prefixes:
            return self.merged_runs(after, limit, None)
        # Words that often meet: the first few driving rows hold the page. Words that seldom
        # meet: the full-text index intersects them, and the few companies found are sorted.
        found = self.merged_runs(after, limit, SCAN_BEFORE_INTERSECTING)
        return found if len(found) == limit else self.intersected(after, limit)

    def intersected(self, after: Position | None, limit: int) -> list[Position]:
        # Whole terms rather than prefixes: the index skips through the rarest one's postings.
        words = [" | ".join(map(tsquery_lexeme, self.driver_terms))]
        words += [
            " | ".join(map(tsquery_lexeme, terms)) if terms else tsquery_lexeme(prefix) + ":*"
            for prefix, terms in self.others
        ]
        bound = "WHERE (sort_name, id) > (:sort_name, :company_id) " if after else ""
        sql = (
            "WITH found AS MATERIALIZED (SELECT sort_name, id FROM companies "
            "WHERE search_vector @@ CAST(:query AS tsquery)) "
            f"SELECT sort_name, id FROM found {bound}ORDER BY sort_name, id LIMIT :limit"
        )
        params = {"query": " & ".join(f"({word})" for word in words), "limit": limit}
        if after:
            params.update(sort_name=after[0], company_id=after[1])
        return [tuple(row) for row in db.session.execute(text(sql), params)]

    def merged_runs(self, after: Position | None, limit: int, scan: int | None):
        """The driving word's runs merged in list order, the other words checked per row; with
        `scan`, only that many driving rows are read."""
        bound = " AND (sort_name, company_id) > (:sort_name, :company_id)" if after else ""
        # Each run is cut to what the page can use, so that the merge reads little whatever plan
        # the planner chooses for it.
        run_rows = scan if scan is not None else limit
        runs = " UNION ALL ".join(
            f"(SELECT sort_name, company_id FROM company_search_terms WHERE term = :t{n}{bound} "
            f"ORDER BY sort_name, company_id LIMIT {int(run_rows)})"
            for n in range(len(self.driver_terms))
        )
        if scan is not None and len(self.driver_terms) > 1:
            runs = f"SELECT * FROM ({runs}) r ORDER BY sort_name, company_id LIMIT {int(scan)}"
        others = "".join(
            " AND EXISTS (SELECT 1 FROM company_search_terms o WHERE o.company_id = m.company_id"
            f" AND o.term >= :p{n} AND o.term < :b{n})"
            for n in range(len(self.other_prefixes))
        )
        # No DISTINCT: the planner would gather every match instead of merging the runs.
        sql = f"SELECT m.sort_name, m.company_id FROM ({runs}) m WHERE true{others} "
        sql += "ORDER BY m.sort_name, m.company_id LIMIT :limit"
        params = {f"t{n}": term for n, term in enumerate(self.driver_terms)}
        for n, prefix in enumerate(self.other_prefixes):
            params.update({f"p{n}": prefix, f"b{n}": prefix + BEYOND})
        params["limit"] = limit
        if after:
            params.update(sort_name=after[0], company_id=after[1])
        return [tuple(row) for row in db.session.execute(text(sql), params)]

    def page(self, request):
        found: list[Position] = []
        after, limit = request.cursor, request.need
        for _ in range(MAX_ROUNDS):
            matches = self.first_positions(after, limit)
            unique = list(dict.fromkeys(matches))
            passing = set(
                db.session.scalars(
                    request.query.with_only_columns(Company.id).where(
                        one_of(Company.id, [company_id for _, company_id in unique])
                    )
                )
            )
            found.extend(match for match in unique if match[1] in passing)
            if len(found) >= request.need or len(matches) < limit:
                return found[: request.need]
            after, limit = matches[-1], min(limit * 4, MAX_ROUND_SIZE)
        return None

    def company_ids(self):
        return company_ids_by_prefix(self.prefixes)


def tsquery_lexeme(lexeme: str) -> str:
    """A lexeme in tsquery syntax, taken as it is (not parsed or stemmed again)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def company_ids_by_prefix(prefixes: list[str]):
    """A SELECT of the ids of the companies with a term beginning with each of `prefixes`."""
    selects = [
        select(literal_column("company_id", Integer))
        .select_from(text("company_search_terms"))
        .where(
            text(f"term >= :p{n} AND term < :b{n}").bindparams(
                **{f"p{n}": prefix, f"b{n}": prefix + BEYOND}
            )
        )
        for n, prefix in enumerate(prefixes)
    ]
    return selects[0] if len(selects) == 1 else intersect(*selects)


class PostgresTermRanges(Postings):
    """Every word too general to drive a merge: the matches are joined, unordered."""

    ordered = False

    def __init__(self, prefixes: list[str]):
        self.prefixes = prefixes

    def company_ids(self):
        return company_ids_by_prefix(self.prefixes)


def postgres_postings(words: list[str]) -> Postings:
    prefixes = query_lexemes(words)
    if not prefixes:
        return NoMatches()
    terms_of = {}
    for prefix in prefixes:
        terms = terms_beginning(prefix)
        if not terms:
            return NoMatches()
        terms_of[prefix] = terms if len(terms) <= MAX_TERMS_PER_WORD else []
    candidates = [(prefix, terms) for prefix, terms in terms_of.items() if terms]
    if not candidates:
        return PostgresTermRanges(prefixes)
    # The word with the fewest companies drives; the others are checked per match.
    frequency = term_frequencies() if len(prefixes) > 1 else {}
    driver, terms = min(
        candidates,
        key=lambda candidate: (
            sum(frequency.get(t, 0.0) for t in candidate[1]),
            -len(candidate[0]),
        ),
    )
    others = [(prefix, terms_of[prefix]) for prefix in prefixes if prefix != driver]
    return PostgresPostings(terms, others, prefixes)


def term_frequencies() -> dict[str, float]:
    """The share of the index's rows of each of its most common terms (the planner's own
    statistics, kept by ANALYZE)."""
    row = db.session.execute(
        text(
            "SELECT most_common_vals::text::text[], most_common_freqs FROM pg_stats "
            "WHERE tablename = 'company_search_terms' AND attname = 'term' "
            "AND schemaname = current_schema()"
        )
    ).first()
    if row is None or row[0] is None:
        return {}
    return dict(zip(row[0], row[1], strict=False))


def query_lexemes(words: list[str]) -> list[str]:
    """The words as the `swedish` configuration indexes them (stemmed; stop words dropped)."""
    lexemes = db.session.scalar(
        text(
            "SELECT array_agg(DISTINCT lexeme) FROM unnest(CAST(:words AS text[])) AS word, "
            "unnest(tsvector_to_array(to_tsvector('swedish'::regconfig, word))) AS lexeme"
        ),
        {"words": words},
    )
    return sorted(lexemes or [])


TERMS_BEGINNING = text(
    """WITH RECURSIVE found(term) AS (
        SELECT min(term) FROM company_search_terms WHERE term >= :prefix AND term < :beyond
        UNION ALL
        SELECT (SELECT min(t.term) FROM company_search_terms t
                WHERE t.term > found.term AND t.term < :beyond)
        FROM found WHERE found.term IS NOT NULL
    )
    SELECT term FROM found WHERE term IS NOT NULL LIMIT :limit"""
)


def terms_beginning(prefix: str) -> list[str]:
    """The distinct indexed terms that begin with `prefix` (one index probe each), at most
    MAX_TERMS_PER_WORD + 1."""
    params = {"prefix": prefix, "beyond": prefix + BEYOND, "limit": MAX_TERMS_PER_WORD + 1}
    return list(db.session.scalars(TERMS_BEGINNING, params))


# --- SQLite -------------------------------------------------------------------------------


def bucket_of(key: int) -> int:
    return key >> ID_BITS


def bucket_bounds(bucket: int) -> tuple[int, int]:
    return bucket << ID_BITS, (bucket << ID_BITS) | ID_MASK


class SqlitePostings(Postings):
    """FTS5 prefix queries, each word cut to the longest prefix index it fills (a query of
    another length would merge the postings of every term it begins, all of them, before the
    first row); the rows of the cut words are checked for the whole words."""

    def __init__(self, words: list[str]):
        self.exact = " ".join(f'"{word}"*' for word in words)
        cut = [word[: max(n for n in FTS_PREFIX_LENGTHS if n <= len(word))] for word in words]
        self.match = " ".join(f'"{word}"*' for word in cut)
        self.cut_words = " ".join(
            word for word, short in zip(words, cut, strict=True) if word != short
        )

    def narrow(self, query):
        if not self.cut_words:
            return query
        return query.where(func.lotsen_words_begin(Company.name, Company.town, self.cut_words))

    def _match(self, condition: str, **params):
        return text(f"company_search MATCH :match AND {condition}").bindparams(
            match=self.match, **params
        )

    def first_keys(self, start: int, limit: int) -> list[int]:
        statement = select(literal_column("rowid", Integer)).select_from(text("company_search"))
        statement = statement.where(self._match("rowid >= :start", start=start))
        return list(db.session.scalars(statement.order_by(text("rowid")).limit(limit)))

    def bucket_postings(self, bucket: int, column: str):
        """A SELECT of `column` (an expression of the rowid) for the matches in one bucket."""
        low, high = bucket_bounds(bucket)
        postings = select(literal_column(column, Integer)).select_from(text("company_search"))
        return postings.where(self._match("rowid BETWEEN :low AND :high", low=low, high=high))

    def bucket_ids(self, bucket: int):
        return self.bucket_postings(bucket, f"rowid & {ID_MASK}")

    def bucket_keys(self, bucket: int):
        return self.bucket_postings(bucket, "rowid")

    def company_ids(self):
        ids = select(literal_column(f"rowid & {ID_MASK}", Integer))
        ids = ids.select_from(text("company_search"))
        return ids.where(text("company_search MATCH :all_match").bindparams(all_match=self.exact))

    def rows_in_order(self, request: PageRequest, ids: list[int], limit: int) -> list[Position]:
        if not ids or limit <= 0:
            return []
        query = request.after_cursor(request.query.where(Company.id.in_(set(ids))))
        return sorted(positions(query))[:limit]

    def bucket_rows(self, request: PageRequest, bucket: int, limit: int) -> list[Position]:
        """The first `limit` matches of one bucket in list order."""
        count = db.session.scalar(
            select(func.count()).select_from(self.bucket_ids(bucket).subquery())
        )
        query = request.after_cursor(request.query)
        if count <= SORTED_BUCKET:
            # Few: look each one up and sort them (the "+" keeps SQLite off the sort index).
            query = query.where(Company.id.in_(self.bucket_ids(bucket)))
            query = query.order_by(text("+companies.sort_name"), text("+companies.id"))
        else:
            # Many: walk the bucket along the sort index, keeping the matches.
            prefix = bucket_prefix(bucket)
            if len(prefix) < NAME_KEY_CHARACTERS:
                query = query.where(Company.sort_name == prefix)
            else:
                query = query.where(
                    Company.sort_name >= prefix, Company.sort_name < prefix + "\x7f"
                )
            key = Company.id.op("|")(bucket << ID_BITS)
            query = query.where(key.in_(self.bucket_keys(bucket)))
            query = query.order_by(Company.sort_name, Company.id)
        return positions(query.limit(limit))

    def page(self, request):
        found: list[Position] = []
        start = name_bucket(request.cursor[0]) << ID_BITS if request.cursor else 0
        limit = request.need
        for _ in range(MAX_ROUNDS):
            keys = self.first_keys(start, limit)
            if not keys:
                return found
            exhausted = len(keys) < limit
            last_bucket = bucket_of(keys[-1])
            before = keys if exhausted else [key for key in keys if bucket_of(key) < last_bucket]
            ids = [key & ID_MASK for key in before]
            found.extend(self.rows_in_order(request, ids, request.need - len(found)))
            if not exhausted and len(found) < request.need:
                found.extend(self.bucket_rows(request, last_bucket, request.need - len(found)))
            if exhausted or len(found) >= request.need:
                return found
            start, limit = (last_bucket + 1) << ID_BITS, min(limit * 4, MAX_ROUND_SIZE)
        return None


def postings_for(words: list[str]) -> Postings:
    if db.session.get_bind().dialect.name == "postgresql":
        return postgres_postings(words)
    return SqlitePostings(words)
