"""Hostile inputs: the pathological-input corpus and the Hypothesis strategies built on it."""

from hypothesis import strategies as st

# Markdown that makes naive parsers go quadratic or recurse deeply.
PATHOLOGICAL_MARKDOWN = [
    "[" * 20000 + "](" * 2000,
    "*" * 30000 + "x",
    "> " * 5000 + "citat",
    "\n".join(" " * depth + "- punkt" for depth in range(0, 600, 2)),  # 300 levels, 92 kB
    "_a" * 15000,
    "<" * 20000 + "a" + ">" * 20000,
    "&#" * 20000,
    "`" * 10000 + "kod",
    "![" * 10000 + "x" + "](/" * 10000,
    "\n".join(["|a|b|"] + ["|-|-|"] * 5000),
]

# One value per kind of trouble the issue names; every text field and query parameter gets each.
CORPUS = [
    "",
    "\x00",
    "ärende\x00NUL",
    "\r\nSet-Cookie: lotsen=hijacked",
    "/\r\nLocation: https://evil.example/",
    "//evil.example/",
    "https://evil.example/%0d%0aX-Injected:%201",
    "rad\u2028skiljare\u2029stycke\u0085nästa",
    "\u202eRTL\ufeff\u200b",
    "99999999999999999999999999999999",
    "-9223372036854775809",
    "9223372036854775808",
    "1e309",
    "NaN",
    "-1",
    "0",
    "2026-02-30",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "eyJpZCI6IDEsICJrZXkiOiBbMSwgMiwgM119",  # base64 JSON: a forged keyset cursor
    "!!!!~~~~",
    "%",
    "_%\\",
    "👩‍👩‍👧‍👦" * 50,
    "A" * 100_000,
    *PATHOLOGICAL_MARKDOWN,
]

# Query strings a browser never sends: invalid UTF-8 and encoded control characters.
RAW_QUERY_VALUES = ["%FF%FE", "%00", "%0D%0A", "%C0%AF", "%E2%80%A8", "a%00b"]

_SPECIALS = ["\x00", "\r", "\n", "\u2028", "\u2029", "\t", "<", ">", "&", "%", "'", '"', "\\"]
_MARKDOWN_PIECES = ["[", "](", "*", "_", "`", "> ", "- ", "#", "!", "\n", "    ", "|"]

hostile_text = st.one_of(
    st.sampled_from(CORPUS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.lists(st.sampled_from(_SPECIALS + _MARKDOWN_PIECES), max_size=80).map("".join),
    st.builds(
        lambda piece, times: piece * times,
        st.sampled_from(_MARKDOWN_PIECES + _SPECIALS + ["a", "é", "9"]),
        st.integers(min_value=1, max_value=20000),
    ),
    st.dates().map(str),
)

huge_ids = st.one_of(
    st.integers(min_value=2**31, max_value=10**40),
    st.sampled_from([0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30]),
)
