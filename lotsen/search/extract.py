"""Text of PDF and Office/LibreOffice attachments, for the search index; bounded in every way.

PDF through pypdf (at most SEARCH_ATTACHMENT_MAX_PAGES pages). Office Open XML (.docx, .xlsx,
.pptx) and OpenDocument (.odt, .ods, .odp) are ZIP archives: the archive is first held to the
same limits as an upload (lotsen.cases.attachments.archive_within_limits, the zip-bomb guard),
then only the members that carry text are read, each at most as far as the text budget allows.
Markup is stripped with a regular expression, never parsed as XML (no entity expansion).
"""

import html
import io
import logging
import re
import zipfile
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from lotsen.cases.attachments import ZIP_CENTRAL_HEADER, ArchiveLimits, archive_within_limits

log = logging.getLogger(__name__)

PDF = "application/pdf"
ZIP_TEXT_MEMBERS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml"),
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        re.compile(r"xl/sharedStrings\.xml"),
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        re.compile(r"ppt/slides/slide\d+\.xml"),
    ),
    "application/vnd.oasis.opendocument.text": (re.compile(r"content\.xml"),),
    "application/vnd.oasis.opendocument.spreadsheet": (re.compile(r"content\.xml"),),
    "application/vnd.oasis.opendocument.presentation": (re.compile(r"content\.xml"),),
}
EXTRACTABLE = {PDF, *ZIP_TEXT_MEMBERS}
# The end of a paragraph, cell, line or tab separates words; any other tag does not (a word may
# be split over several runs of formatting).
BREAKING_TAG = re.compile(
    r"</(w:p|a:p|text:p|text:h|si|t)>|<(w:tab|w:br|text:tab|text:line-break|text:s)\b[^>]*/>"
)
ANY_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class TextLimits:
    max_chars: int
    max_pages: int
    archive: ArchiveLimits

    @classmethod
    def from_config(cls, config) -> "TextLimits":
        return cls(
            max_chars=config["SEARCH_ATTACHMENT_MAX_CHARS"],
            max_pages=config["SEARCH_ATTACHMENT_MAX_PAGES"],
            archive=ArchiveLimits.from_config(config),
        )


class NoText(ValueError):
    """The file could not be read as the kind it claims to be."""


def extract_text(content_type: str, data: bytes, limits: TextLimits) -> str:
    """The text of a document, at most `limits.max_chars` long ("" for other kinds)."""
    if content_type == PDF:
        return pdf_text(data, limits)
    if content_type in ZIP_TEXT_MEMBERS:
        return zip_text(data, ZIP_TEXT_MEMBERS[content_type], limits)
    return ""


def pdf_text(data: bytes, limits: TextLimits) -> str:
    pieces: list[str] = []
    size = 0
    try:
        reader = PdfReader(io.BytesIO(data))
        for number, page in enumerate(reader.pages):
            if number >= limits.max_pages or size >= limits.max_chars:
                break
            piece = page.extract_text() or ""
            pieces.append(piece)
            size += len(piece)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise NoText(str(error)) from error
    return "\n".join(pieces)[: limits.max_chars]


def zip_text(data: bytes, members: tuple[re.Pattern, ...], limits: TextLimits) -> str:
    if data.count(ZIP_CENTRAL_HEADER) > limits.archive.max_members:
        raise NoText("too many members")
    pieces: list[str] = []
    budget = limits.max_chars
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not archive_within_limits(archive, len(data), limits.archive):
                raise NoText("archive beyond its limits")
            for name in sorted(archive.namelist()):
                if budget <= 0 or not any(p.fullmatch(name) for p in members):
                    continue
                with archive.open(name) as member:
                    # Markup is several times its text: read a bounded multiple of the budget.
                    raw = member.read(budget * 8).decode("utf-8", errors="replace")
                piece = markup_text(raw)[:budget]
                pieces.append(piece)
                budget -= len(piece)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise NoText(str(error)) from error
    return "\n".join(pieces)


def markup_text(markup: str) -> str:
    text = ANY_TAG.sub("", BREAKING_TAG.sub(" ", markup))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
