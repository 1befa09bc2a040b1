"""Turning a mail's Markdown into its parts: safe HTML, readable plain text, clean headers."""

import html
import re
import unicodedata
from html.parser import HTMLParser

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from lotsen.html_limits import MESSAGE_TAGS, limit_nesting

ALLOWED_TAGS = MESSAGE_TAGS | {"h2"}  # mail templates use one more heading level
ALLOWED_ATTRIBUTES = {"a": {"href"}}
BLOCKS = {"p", "ul", "ol", "blockquote", "pre", "h2", "h3", "h4", "hr"}
SIGNATURE_SEPARATOR = "\n-- \n"
# A bare web address (not already inside <…>, a Markdown link or an attribute), without the
# punctuation that ends a sentence after it.
BARE_LINK = re.compile(r"(?<![<(\[\"'=/\w])https?://[^\s<>()\[\]\"']+(?<![.,;:!?])")


def clean_header(value, max_length: int = 250) -> str:
    """One line of text for a mail header: every control, line or paragraph separator (CR, LF,
    U+2028, NEL, VT …) becomes a space, runs of spaces become one, and it is cut to length."""
    text = "".join(
        " " if unicodedata.category(char)[0] in "CZ" else char for char in str(value or "")
    )
    return " ".join(text.split())[:max_length]


def autolink(match: re.Match) -> str:
    """A bare address as a Markdown autolink (values in the source are HTML-escaped: the
    address is unescaped first, so that "&amp;" in a query string stays one "&")."""
    address = html.unescape(match.group(0))
    if any(char in address for char in "<>\"' "):
        return match.group(0)
    return f"<{address}>"


def markdown_to_html(source: str) -> str:
    """Markdown to sanitised HTML. Values in mail templates are HTML-escaped when rendered, so
    a company name or question never becomes markup; nh3 removes anything else unsafe."""
    source = BARE_LINK.sub(autolink, source)
    # cmark, as for message bodies: linear time whatever a quoted message holds.
    html = cmarkgfm.markdown_to_html(source, options=Options.CMARK_OPT_HARDBREAKS)
    return nh3.clean(
        limit_nesting(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )


class _PlainText(HTMLParser):
    """Sanitised mail HTML to plain text: paragraphs, list bullets, links as their address."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, counter] per open list
        self.links: list[str | None] = []
        self.link_text: list[str] = []
        self.in_pre = 0

    def block_break(self):
        self.out.append("\n\n")

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.block_break()
        if tag in ("ul", "ol"):
            self.lists.append([tag, 0])
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            indent = "  " * max(len(self.lists) - 1, 0)
            bullet = f"{kind[1]}. " if kind[0] == "ol" else "- "
            self.out.append(f"\n{indent}{bullet}")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self.out.append("----")
        elif tag == "pre":
            self.in_pre += 1
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
            self.link_text.append("")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "pre":
            self.in_pre = max(self.in_pre - 1, 0)
        elif tag == "a" and self.links:
            href, text = self.links.pop(), self.link_text.pop().strip()
            if href and href != text and href != f"mailto:{text}":
                self.out.append(f" <{href}>")
        if tag in BLOCKS:
            self.block_break()

    def handle_data(self, data):
        if not self.in_pre:
            data = re.sub(r"\s+", " ", data)
        if self.link_text:
            self.link_text[-1] += data
        self.out.append(data)

    def text(self) -> str:
        # Whitespace collapsing leaves one space at the start of a line after a <br>.
        lines = [re.sub(r"^ (?=\S)", "", line.rstrip()) for line in "".join(self.out).split("\n")]
        text = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> str:
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return parser.text()


def split_signature(source: str) -> tuple[str, str]:
    """The Markdown body and the signature after the last "-- " line (kept as plain lines)."""
    body, separator, signature = source.rpartition(SIGNATURE_SEPARATOR)
    if not separator:
        return source, ""
    return body, signature.strip("\n")
