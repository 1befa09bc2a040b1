"""What an inbound e-mail says: its text, attachments, thread ids, sender and org number.

Pure functions over `email.message.EmailMessage` parsed with `email.policy.default`: no database,
no Flask app. `parse_message` refuses what cannot be read (`UnreadableMessage`); every other
function tolerates malformed mail and costs bounded time and memory. `attachments` raises
`TooLarge` when a mail carries more than its limits (it never truncates silently).
Auto-replies and delivery failures live in `bounces.py`, HTML and reply trimming in
`plaintext.py`; both are re-exported here so that callers need one module.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.parser import BytesParser
from io import BytesIO

from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number
from lotsen.inbound.bounces import DeliveryFailure, delivery_report, is_auto_reply
from lotsen.inbound.mime import (
    MAX_DEPTH,
    MAX_PARTS,
    MESSAGE_TYPES,
    addresses_in,
    attached_message,
    bounded_policy,
    content_type,
    decode_words,
    disposition,
    header_text,
    message_id_tokens,
    part_text,
    payload_bytes,
    raw_text,
    raw_values,
    structure_size,
    subparts,
    walk,
)
from lotsen.inbound.plaintext import html_to_text, trim_reply

__all__ = [
    "DeliveryFailure",
    "InboundAttachment",
    "TooLarge",
    "UnreadableMessage",
    "attachments",
    "body_text",
    "delivery_report",
    "html_to_text",
    "is_auto_reply",
    "message_ids",
    "org_number_from_text",
    "parse_message",
    "plus_token",
    "recipient_addresses",
    "sender_address",
    "trim_reply",
]

DEFAULT_MAX_BYTES = 40 * 1024 * 1024
DEFAULT_MAX_CHARS = 100_000
DEFAULT_MAX_ATTACHMENTS = 50
DEFAULT_MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024
MAX_FILENAME_CHARS = 150
# Lines starting with "--" (MIME delimiters) counted before parsing: the parser's time grows
# with the number of parts, so a mail with far more than MAX_PARTS is refused unparsed.
MAX_DELIMITER_LINES = 4 * MAX_PARTS
# org_number_from_text looks at this much text (a signature is near the top of a reply).
MAX_ORG_NUMBER_TEXT = 200_000

_BODY_TYPES = ("text/plain", "text/html")
_FILENAME_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_ORG_NUMBER_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])(SE\s?)?((?:16)?[0-9]{6})\s?[-\u2010-\u2015\u2212]?\s?([0-9]{4})(01)?"
    r"(?![0-9])",
    re.IGNORECASE,
)
_DELIMITER_LINE = re.compile(r"^--([0-9A-Za-z'()+_,./:=?-]{1,70})[ \t]*\r?$", re.MULTILINE)
_MIME_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}")
_TOKEN = re.compile(r"[A-Za-z0-9_.=-]{1,128}")


class UnreadableMessage(ValueError):
    """A mail that cannot be read at all; `reason` (English) says why, for the admin list."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TooLarge(ValueError):
    """A mail's attachments exceed the limits given to `attachments` (count or total bytes)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool
    content_id: str | None


def parse_message(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> EmailMessage:
    """Parse a raw mail with `email.policy.default` (as `mime.BoundedPolicy`, which bounds the
    time spent on hostile header values and never raises on reading a header). Malformed MIME
    is tolerated (the parser's defects are kept on the message) as long as there is a mail to
    read. Raises UnreadableMessage for a mail larger than `max_bytes`, empty, without any
    header field, with more than MAX_PARTS parts or parts nested deeper than MAX_DEPTH."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise UnreadableMessage(f"Not bytes but {type(raw).__name__}")
    if len(raw) > max_bytes:
        raise UnreadableMessage(f"Larger than {max_bytes} bytes ({len(raw)} bytes)")
    data = bytes(raw)
    if not data[:10_000].strip():
        raise UnreadableMessage("Empty message")
    if data.count(b"\n--") > MAX_DELIMITER_LINES:
        raise UnreadableMessage(f"More than {MAX_PARTS} MIME parts")
    try:
        msg = BytesParser(policy=bounded_policy()).parsebytes(data)
    except Exception as error:  # the parser is lenient; a failure here means no mail at all
        raise UnreadableMessage(f"Cannot be parsed: {type(error).__name__}") from None
    if not msg.keys():
        raise UnreadableMessage("No header fields")
    msg = _with_repaired_boundary(data, msg)
    depth, count = structure_size(msg)
    if depth > MAX_DEPTH:
        raise UnreadableMessage(f"MIME parts nested deeper than {MAX_DEPTH} levels")
    if count > MAX_PARTS:
        raise UnreadableMessage(f"More than {MAX_PARTS} MIME parts")
    return msg


def _with_repaired_boundary(raw: bytes, msg: EmailMessage) -> EmailMessage:
    """A multipart mail whose declared boundary never occurs (a mailer that rewrote it) is
    parsed again with the first delimiter-like line of its body as the boundary, given in an
    extra Content-Type header put first; the mail as parsed when that does not help."""
    if content_type(msg).partition("/")[0] != "multipart" or msg.is_multipart():
        return msg
    payload = msg.get_payload()
    found = _DELIMITER_LINE.search(payload if isinstance(payload, str) else "")
    if found is None:
        return msg
    boundary = found.group(1)
    if boundary.endswith("--") and f"--{boundary[:-2]}" in payload[: found.start() + 1]:
        boundary = boundary[:-2]
    kind = content_type(msg) if _MIME_TYPE.fullmatch(content_type(msg)) else "multipart/mixed"
    header = f'Content-Type: {kind}; boundary="{boundary}"\r\n'.encode("ascii")
    try:
        repaired = BytesParser(policy=bounded_policy()).parsebytes(header + raw)
    except Exception:  # keep the mail as first parsed
        return msg
    return repaired if repaired.is_multipart() else msg


def body_text(msg: Message, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The mail's text: its body parts in order, text/plain preferred over HTML where the mail
    offers both (multipart/alternative), HTML made readable; else the text of a forwarded mail
    it carries. Any charset is decoded (a wrong or missing one with replacement characters);
    at most `max_chars` characters. Never raises."""
    parts = body_parts(msg) or body_parts(msg, into_messages=True)
    pieces: list[str] = []
    size = 0
    for part in parts:
        if size >= max_chars:
            break
        text = part_text(part, max_chars * 4 if content_type(part) == "text/plain" else 8_000_000)
        if content_type(part) == "text/html":
            text = html_to_text(text, max_chars)
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        pieces.append(text)
        size += len(text)
    return "\n\n".join(piece for piece in pieces if piece.strip())[:max_chars].strip()


def body_parts(msg: Message, *, into_messages: bool = False) -> list[Message]:
    """The text/plain and text/html parts that make up a mail's body, in order: of the
    versions in a multipart/alternative the plain text one (else the last, richest one); no
    attachments; the parts of a forwarded mail only with `into_messages`."""
    found: list[Message] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack and len(found) < MAX_PARTS:
        part, depth = stack.pop()
        kind = content_type(part)
        children = subparts(part) if depth < MAX_DEPTH else []
        if kind in MESSAGE_TYPES and part is not msg:
            if into_messages:
                stack.extend((child, depth + 1) for child in reversed(children))
        elif kind == "multipart/alternative" and children:
            stack.append((_preferred_alternative(children), depth + 1))
        elif children:
            stack.extend((child, depth + 1) for child in reversed(children))
        elif kind in _BODY_TYPES and _is_body_part(part):
            found.append(part)
    return found


def _preferred_alternative(children: list[Message]) -> Message:
    """The plain-text version (if it has any text: some mailers send an empty one), else a
    multipart version holding plain text, else the last (richest) version."""
    for child in children:
        plain = content_type(child) == "text/plain" and _is_body_part(child)
        if plain and payload_bytes(child).strip():
            return child
    for child in children:
        if content_type(child).startswith("multipart/") and _has_plain(child):
            return child
    return children[-1]


def _has_plain(part: Message) -> bool:
    return any(
        content_type(p) == "text/plain" and _is_body_part(p)
        for p, _ancestors in walk(part, into_messages=False)
    )


def _is_body_part(part: Message) -> bool:
    return disposition(part) != "attachment" and not _filename(part)


def attachments(
    msg: Message,
    max_count: int = DEFAULT_MAX_ATTACHMENTS,
    max_total_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
) -> list[InboundAttachment]:
    """The files a mail carries, in order: attachments, inline images (Content-Disposition
    inline or a Content-ID), and forwarded mails as .eml files (their own attachments stay in
    the .eml). Filenames are decoded (RFC 2231, encoded words), stripped of paths and control
    characters, and made up when missing ("bilaga-1.pdf"). Raises TooLarge when there are more
    than `max_count` files or more than `max_total_bytes` bytes in all: nothing is dropped
    silently."""
    found: list[InboundAttachment] = []
    total = 0
    body = {id(part) for part in body_parts(msg)}
    for part, ancestors in walk(msg, into_messages=False):
        if part.is_multipart() and content_type(part) not in MESSAGE_TYPES:
            continue
        if id(part) in body or _is_alternative_text(part, ancestors):
            continue
        if len(found) >= max_count:
            raise TooLarge(f"More than {max_count} attachments")
        attachment = _attachment(part, len(found) + 1)
        total += len(attachment.data)
        if total > max_total_bytes:
            raise TooLarge(f"Attachments larger than {max_total_bytes} bytes in all")
        found.append(attachment)
    return found


def _is_alternative_text(part: Message, ancestors: list[Message]) -> bool:
    """A text rendering inside multipart/alternative (text/enriched …) is not a file."""
    return (
        content_type(part).startswith("text/")
        and _is_body_part(part)
        and any(content_type(a) == "multipart/alternative" for a in ancestors)
    )


def _attachment(part: Message, number: int) -> InboundAttachment:
    kind = content_type(part)
    if kind in MESSAGE_TYPES:
        inner = attached_message(part)
        data = _as_bytes(inner) if inner is not None else payload_bytes(part)
        fallback_stem = header_text(inner, "Subject") if inner is not None else ""
        kind = "message/rfc822"
    else:
        data, fallback_stem = payload_bytes(part), ""
    filename = sanitize_filename(_filename(part) or fallback_stem, kind, number)
    content_id = message_id_tokens(raw_text(part, "Content-ID"), limit=1)
    inline = disposition(part) == "inline" or (disposition(part) is None and bool(content_id))
    return InboundAttachment(filename, kind, data, inline, content_id[0] if content_id else None)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:  # a malformed RFC 2231 parameter
        return ""
    if isinstance(name, tuple):  # an RFC 2231 value the parser left undecoded
        name = name[2] if len(name) == 3 else ""
    return decode_words(str(name)) if "=?" in str(name) else str(name)


def _as_bytes(msg: Message) -> bytes:
    """An attached mail as an .eml file: headers exactly as they came (no refolding)."""
    out = BytesIO()
    try:
        generator_policy = policy.default.clone(refold_source="none", cte_type="8bit")
        BytesGenerator(out, policy=generator_policy, mangle_from_=False).flatten(msg)
    except Exception:  # a part the generator cannot write back: keep what it could
        pass
    return out.getvalue()


def sanitize_filename(name: str, content_type: str, number: int) -> str:
    """A filename safe to store and offer for download: no directories, no control or
    direction-changing characters, at most MAX_FILENAME_CHARS, "bilaga-<n>.<ext>" if empty."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = " ".join(_FILENAME_UNSAFE.sub("_", name).split()).strip(" .")
    extension = _extension(content_type)
    if not name:
        return f"bilaga-{number}{extension}"
    if content_type == "message/rfc822" and not name.lower().endswith(".eml"):
        name = name[: MAX_FILENAME_CHARS - 4] + ".eml"
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        suffix = suffix[:20] if dot and stem else ""
        name = name[: MAX_FILENAME_CHARS - len(suffix) - 1].rstrip(" .") + (
            f".{suffix}" if suffix else ""
        )
    return name


def _extension(content_type: str) -> str:
    if content_type == "message/rfc822":
        return ".eml"
    if content_type == "text/plain":
        return ".txt"
    guessed = mimetypes.guess_extension(content_type, strict=False)
    return guessed or (".txt" if content_type.startswith("text/") else ".bin")


def message_ids(msg: Message) -> tuple[str | None, list[str]]:
    """The mail's own Message-ID and the ids it answers: In-Reply-To first, then References
    from the newest to the oldest, without angle brackets or repeats (at most 100; of a very
    long References header the newest ids, at its end, are read)."""
    own = message_id_tokens(raw_text(msg, "Message-ID"), limit=1)
    answered = message_id_tokens(raw_text(msg, "In-Reply-To"), limit=20)
    references = message_id_tokens(raw_text(msg, "References", tail=True), limit=1_000)
    for reference in reversed(references):
        if reference not in answered:
            answered.append(reference)
    return (own[0] if own else None), answered[:100]


def sender_address(msg: Message) -> str | None:
    """The sender's address in lower case: From, else Sender, else Return-Path."""
    for name in ("From", "Sender", "Return-Path"):
        found = addresses_in(raw_text(msg, name))
        if found:
            return found[0]
    return None


def recipient_addresses(msg: Message) -> list[str]:
    """Every address the mail was delivered to (Delivered-To, X-Original-To, Envelope-To, To,
    Cc), lower-case, without repeats, at most 100."""
    found: list[str] = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        for value in raw_values(msg, name):
            found += [address for address in addresses_in(value) if address not in found]
    return found[:100]


def plus_token(address: str, team_local_part: str) -> str | None:
    """The token of a plus address of the team's mailbox: "abc123" from
    "lotsgruppen+abc123@kommun.se" when `team_local_part` is "lotsgruppen" (compared without
    regard to case; the token is returned as written)."""
    found = addresses_in(address or "")
    if not found or not team_local_part:
        return None
    local = _original_local_part(address, found[0])
    base, plus, token = local.partition("+")
    if plus and base.lower() == team_local_part.strip().lower() and _TOKEN.fullmatch(token):
        return token
    return None


def _original_local_part(original: str, normalised: str) -> str:
    """The local part of an address with its original letter case."""
    local = normalised.partition("@")[0]
    start = original.lower().find(local)
    return original[start : start + len(local)] if start >= 0 else local


def org_number_from_text(text: str) -> str | None:
    """The first Swedish organisation number of a legal person in a text ("556012-5790",
    "16556012-5790", "SE556012579001", with any dash or a space), in the registry's stored form
    (`lotsen.companies.orgnr.normalise_org_number`). Numbers with a wrong check digit,
    personnummer (a sole trader's number, personal data) and numbers on quoted lines ("> …",
    someone else's signature) are never returned."""
    own_lines = "\n".join(
        line for line in (text or "")[:MAX_ORG_NUMBER_TEXT].splitlines() if not line.startswith(">")
    )
    for found in _ORG_NUMBER_CANDIDATE.finditer(own_lines):
        vat, first, last, vat_suffix = found.groups()
        if vat and not vat_suffix:
            continue
        try:
            number = normalise_org_number(f"{first}-{last}")
        except InvalidOrgNumber:
            continue
        if not number.is_personal:
            return number.value
    return None
