"""Message bodies: Markdown rendered to HTML and sanitised, so stored XSS is impossible.

The renderer is cmark (GitHub's C implementation of CommonMark, through cmarkgfm), whose parser
is built to run in linear time: the pathological inputs of tests/security/markdown_corpus.py
(nested brackets, emphasis, quotes, lists, backticks …) render in milliseconds, where
Python-Markdown took up to 23 s for "[" * 5000 + "]" * 5000. cmark's safe mode drops raw HTML
and javascript:/vbscript:/data: links; nh3 then keeps only the tags and URL schemes below.
"""

import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "h3",
    "h4",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


MAX_NESTING = 20
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
VOID_TAGS = {"br", "hr", "img", "input"}


def limit_nesting(html: str, max_depth: int = MAX_NESTING) -> str:
    """cmark's (well-formed) HTML with elements nested deeper than `max_depth` unwrapped.

    The sanitiser's HTML parser slows down quadratically with nesting depth (">" * 5000 makes
    5,000 nested quotes: about a second); nothing a person writes nests twenty levels deep.
    One linear pass: the text stays, only the surplus tags go.
    """
    pieces, stack, position = [], [], 0
    for match in TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        pieces.append(html[position : match.start()])
        position = match.end()
        if name in VOID_TAGS:
            pieces.append(match.group(0))
        elif not closing:
            kept = len(stack) < max_depth
            stack.append(kept)
            if kept:
                pieces.append(match.group(0))
        elif stack and stack.pop():
            pieces.append(match.group(0))
    pieces.append(html[position:])
    return "".join(pieces)


def render_message(body: str) -> Markup:
    # HARDBREAKS: a line break in the text is a line break on the page (as nl2br did).
    html = cmarkgfm.markdown_to_html(body or "", options=Options.CMARK_OPT_HARDBREAKS)
    clean = nh3.clean(
        limit_nesting(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
