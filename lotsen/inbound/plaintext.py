"""Text for people from e-mail bodies: HTML made readable, quoted history and signatures cut.

Pure functions over `str`, bounded in time and output.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# HTML bigger than this is cut before parsing (html.parser is slow on some hostile inputs).
MAX_HTML_CHARS = 2_000_000
# Only the first lines of a text are looked at for quoted history and signatures.
MAX_TRIM_LINES = 5_000

_BLOCKS = {
    *("address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div"),
    *("dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4"),
    *("h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary"),
    *("table", "tbody", "tfoot", "thead", "tr", "ul"),
}
_DROPPED = {"head", "script", "style", "template", "title", "noscript", "object", "iframe", "svg"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
_SPACES = re.compile(r"[ \t\r\n\f\u200b]+")


class _TextMaker(HTMLParser):
    """Collects the text of an HTML document: blocks on their own lines, list items with a
    dash, table cells separated by a space, quoted text (blockquote) prefixed with "> "."""

    def __init__(self, max_chars: int):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.size = 0
        self.max_chars = max_chars
        self.dropped = 0  # depth inside elements whose content is not text (script, style …)
        self.quote = 0  # depth inside <blockquote>
        self.pre = 0
        self.word_paragraph = False  # inside Outlook's <p class=MsoNormal>

    @property
    def full(self) -> bool:
        return self.size >= self.max_chars

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.dropped = 0  # a <head> never closed does not hide the body
        elif tag in _DROPPED:
            self.dropped += tag not in _VOID
        elif tag == "br":
            self.end_line(keep_empty=True)
        elif tag in _BLOCKS:
            self.end_line()
            self.word_paragraph = (
                tag == "p" and "msonormal" in (dict(attrs).get("class") or "").lower()
            )
            if tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self.current.append("- ")
            elif tag == "hr":
                self.lines.append("")
        elif tag in ("td", "th") and self.current:
            self.current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.dropped:
                self.handle_data(f"[{alt}]")

    def handle_endtag(self, tag):
        if tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
        elif tag in _BLOCKS:
            self.end_line()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
            elif tag == "p" and self.word_paragraph:
                self.word_paragraph = False  # no margins: Outlook spaces with empty paragraphs
            elif tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table"):
                self.lines.append(self.prefix().rstrip())

    def handle_data(self, data):
        if self.dropped or self.full:
            return
        if self.pre:
            pieces = data.split("\n")
            for piece in pieces[:-1]:
                self.current.append(piece)
                self.end_line(keep_empty=True)
            data = pieces[-1]
        else:
            data = _SPACES.sub(" ", data)
        self.current.append(data)
        self.size += len(data)

    def prefix(self) -> str:
        return "> " * self.quote

    def end_line(self, keep_empty: bool = False):
        if self.word_paragraph:
            keep_empty = True  # <p class=MsoNormal>&nbsp;</p> is Outlook's empty line
        line = "".join(self.current)
        line = line.rstrip() if self.pre else " ".join(line.split())
        self.current = []
        if line or keep_empty:
            self.lines.append((self.prefix() + line).rstrip())

    def text(self) -> str:
        self.end_line()
        kept: list[str] = []
        for line in self.lines:
            if line.strip(" >") == "" and (not kept or kept[-1].strip(" >") == ""):
                continue  # at most one empty line in a row, none at the start
            kept.append(line)
        return "\n".join(kept).strip()[: self.max_chars]


def html_to_text(html: str, max_chars: int = 100_000) -> str:
    """Readable text from an HTML mail body: block elements become line breaks, scripts and
    styles are dropped, entities are decoded; at most `max_chars` characters. Never raises."""
    maker = _TextMaker(max_chars)
    try:
        maker.feed(html[:MAX_HTML_CHARS])
        maker.close()
    except Exception:  # html.parser is lenient, but keep what was read if it ever gives up
        pass
    return maker.text()


# --- Trimming replies -----------------------------------------------------------------------

_SEPARATORS = re.compile(
    r"^\s*(-{2,}\s*(ursprungligt meddelande|originalmeddelande|original message|"
    r"vidarebefordrat meddelande|forwarded message)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^--\s?$")
_SENT_FROM = re.compile(
    r"^\s*(skickat från (min|mitt) \w+|sent from my \w+|skickat från (outlook|mail|e-post)\b"
    r".*|hämta outlook för (ios|android)|get outlook for (ios|android)|"
    r"sent from (outlook|mail) for \w+|skickades från \w+)\s*(<[^<>\s]{1,300}>)?\s*$",
    re.IGNORECASE,
)
# "Den 3 dec. 2026 kl. 10:12 skrev Anna <anna@x.se>:" (Gmail, Apple Mail without "Den"),
# "tors 3 dec. 2026 10:12 skrev …", "On Thu, Dec 3, 2026 at 10:12 AM Anna <a@x.se> wrote:".
_ATTRIBUTION = re.compile(
    r"^\s*((den|on)\s+)?[^\n]{0,100}?\d[^\n]{0,150}?\s(skrev|wrote|schrieb|kirjoitti)"
    r"(\s+[^\n]{0,200})?:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_WORD = re.compile(r"\b(skrev|wrote|schrieb|kirjoitti)\b", re.IGNORECASE)
_OUTLOOK_FIELDS = {
    "from": re.compile(r"^\s*\*?(från|from|von)\s*:\*?\s", re.IGNORECASE),
    "sent": re.compile(r"^\s*\*?(skickat|sent|datum|date|gesendet)\s*:\*?\s", re.IGNORECASE),
    "to": re.compile(r"^\s*\*?(till|to|an)\s*:\*?\s", re.IGNORECASE),
    "subject": re.compile(r"^\s*\*?(ämne|subject|betreff)\s*:\*?\s", re.IGNORECASE),
}


def trim_reply(text: str) -> str:
    """The new part of a reply, for display: quoted lines ("> …") removed, and everything from
    the first quoted-history header or signature on cut (Outlook's "Från: … Skickat: … Till: …
    Ämne:" block and "-----Ursprungligt meddelande-----" in Swedish and English, Gmail's and
    Apple Mail's "Den … skrev …:" / "On … wrote:", the "-- " delimiter, "Skickat från min
    iPhone", "Hämta Outlook för iOS"). Falls back to the whole text when nothing would be left."""
    if not text or not text.strip():
        return text
    lines = text.splitlines()
    head, tail = lines[:MAX_TRIM_LINES], lines[MAX_TRIM_LINES:]
    cut = _cut_index(head)
    kept = [line for line in head[:cut] if not line.lstrip().startswith(">")]
    if cut == len(head):
        kept += tail
    trimmed = "\n".join(kept).strip("\n").rstrip()
    return trimmed if trimmed.strip() else text


def _cut_index(lines: list[str]) -> int:
    """The index of the first line of quoted history or signature, len(lines) if none."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _SIGNATURE.match(line) or _SENT_FROM.match(stripped) or _SEPARATORS.match(stripped):
            return index
        if _is_attribution(lines, index) or _is_outlook_header(lines, index):
            return _before_separator(lines, index)
    return len(lines)


def _is_attribution(lines: list[str], index: int) -> bool:
    line = lines[index]
    if len(line) > 400 or not _ATTRIBUTION_WORD.search(line + " " + _next(lines, index)):
        return False
    if _ATTRIBUTION.match(line):
        return True
    # Gmail wraps a long attribution: "Den … skrev Anna Andersson <" / "anna@x.se>:".
    if index + 1 < len(lines) and not line.rstrip().endswith(":"):
        joined = f"{line.rstrip()} {lines[index + 1].strip()}"
        return len(joined) <= 400 and bool(_ATTRIBUTION.match(joined))
    return False


def _next(lines: list[str], index: int) -> str:
    return lines[index + 1][:400] if index + 1 < len(lines) else ""


def _is_outlook_header(lines: list[str], index: int) -> bool:
    """A "Från:" line followed within a few lines by Skickat/Till/Ämne (any order)."""
    if not _OUTLOOK_FIELDS["from"].match(lines[index]):
        return False
    found = {"from"}
    for line in lines[index + 1 : index + 8]:
        for field, pattern in _OUTLOOK_FIELDS.items():
            if pattern.match(line):
                found.add(field)
    return {"sent", "subject"} <= found or {"sent", "to"} <= found


def _before_separator(lines: list[str], index: int) -> int:
    """Include a separator line (underscores, dashes) just above the quoted header in the cut."""
    previous = index - 1
    while previous >= 0 and not lines[previous].strip():
        previous -= 1
    if previous >= 0 and re.fullmatch(r"\s*[_\-=]{5,}\s*", lines[previous]):
        return previous
    return index
