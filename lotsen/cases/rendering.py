"""Message bodies: Markdown rendered to HTML and sanitised, so stored XSS is impossible.

The renderer is cmark (GitHub's C implementation of CommonMark, through cmarkgfm), whose parser
is built to run in linear time: the pathological inputs of tests/security/markdown_corpus.py
(nested brackets, emphasis, quotes, lists, backticks …) render in milliseconds, where
Python-Markdown took up to 23 s for "[" * 5000 + "]" * 5000. cmark's safe mode drops raw HTML
and javascript:/vbscript:/data: links; nh3 then keeps only the tags and URL schemes below.
"""

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from markupsafe import Markup

from lotsen.html_limits import MESSAGE_TAGS, limit_nesting

ALLOWED_TAGS = MESSAGE_TAGS
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


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
