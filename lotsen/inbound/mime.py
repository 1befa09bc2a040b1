"""Tolerant readers for parsed e-mail: header text, the part tree and a part's text.

The standard `email` package parses almost anything, but reading a parsed message can still
raise: a header the structured parser chokes on, an unknown charset, a part tree deep enough to
exhaust recursion. Everything here reads defensively and in bounded time, so that the functions
built on it (content.py, bounces.py) never raise on a hostile mail.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses

# A header value longer than this is not handed to the structured header parser (whose cost
# grows faster than linearly on some hostile inputs); its first part is read as plain text.
MAX_HEADER_CHARS = 8_000
# The part tree is walked to this depth and this many parts at most (parse_message refuses
# deeper or larger trees; the readers simply stop).
MAX_DEPTH = 20
MAX_PARTS = 500

_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[^@\s<>()\[\],;:\"]{1,255}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Labels that browsers decode as windows-1252 (WHATWG Encoding): a mail that says ISO-8859-1
# often holds "smart quotes" or the euro sign from the 0x80-0x9f range.
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"}
# Valid multi-byte UTF-8 sequences: their presence means a mislabeled body is really UTF-8.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def raw_header(msg: Message, name: str) -> str | None:
    """The first `name` header exactly as it arrived (folded, encoded words not decoded)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def header_text(msg: Message, name: str) -> str:
    """The first `name` header as readable text, "" when missing; never raises."""
    raw = raw_header(msg, name)
    if raw is None:
        return ""
    raw = raw[:MAX_HEADER_CHARS] if len(raw) > MAX_HEADER_CHARS else raw
    try:
        value = str(msg.policy.header_fetch_parse(name, raw))
    except Exception:  # the structured parser has known failures on malformed values
        value = decode_words(raw)
    return _CONTROL.sub("", " ".join(value.split()))


def decode_words(raw: str) -> str:
    """RFC 2047 encoded words decoded as far as possible, the rest left as it is."""
    try:
        return str(make_header(decode_header(raw)))
    except Exception:  # a malformed encoded word or an unknown charset
        return raw


def addresses_in(value: str) -> list[str]:
    """The addresses in a header value, lower-case, plausible ones only."""
    try:
        pairs = getaddresses([value])
    except Exception:  # getaddresses is lenient, but a hostile value must not stop us
        return []
    found = []
    for _name, address in pairs:
        address = address.strip().strip("<>").lower()
        if _ADDRESS.match(address) and address not in found:
            found.append(address)
    return found


def walk(msg: Message, *, into_messages: bool = True) -> Iterator[tuple[Message, list[Message]]]:
    """Every part in document order with its ancestors (nearest last), bounded in depth and
    count. Without `into_messages` the parts of attached mails (message/rfc822) are skipped."""
    stack: list[tuple[Message, list[Message]]] = [(msg, [])]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, ancestors = stack.pop()
        seen += 1
        yield part, ancestors
        if len(ancestors) >= MAX_DEPTH:
            continue
        children = subparts(part)
        if not into_messages and part is not msg and content_type(part) == "message/rfc822":
            children = []
        stack.extend((child, [*ancestors, part]) for child in reversed(children))


def subparts(part: Message) -> list[Message]:
    """The parts directly inside a multipart or an attached message; [] for a leaf."""
    payload = part.get_payload() if part.is_multipart() else None
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def structure_size(msg: Message) -> tuple[int, int]:
    """The depth and the number of parts of a message's tree, counted without recursion."""
    depth, count = 0, 0
    stack = [(msg, 0)]
    while stack:
        part, level = stack.pop()
        count += 1
        depth = max(depth, level)
        if count > MAX_PARTS or depth > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in subparts(part))
    return depth, count


def content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # a header the parser cannot read: RFC 2045's default
        return "text/plain"


def disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def payload_bytes(part: Message) -> bytes:
    """A leaf part's content with its transfer encoding undone (bad base64 as far as it goes)."""
    if part.is_multipart():
        return b""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding the decoder gives up on
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def declared_charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset.strip().strip("'\"").lower() if charset else None


def decode_text(data: bytes, charset: str | None) -> str:
    """Bytes as text in their declared charset; a missing, unknown or wrong charset falls back
    to UTF-8 when the bytes are valid UTF-8, otherwise windows-1252. Never raises."""
    if charset in _LATIN1_LABELS or charset in (None, "", "unknown-8bit", "x-unknown"):
        charset = None
    if charset is not None:
        try:
            if codecs.lookup(charset)._is_text_encoding is False:
                charset = None  # "base64", "rot13" … are not charsets
        except (LookupError, AttributeError):
            charset = None
    if charset is not None:
        try:
            return data.decode(charset)
        except Exception:  # wrong charset: the fallbacks below, unless it is UTF-8 after all
            if codecs.lookup(charset).name == "utf-8" and _UTF8_SEQUENCE.search(data):
                return data.decode("utf-8", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset is not None and codecs.lookup(charset).name != "utf-8":
        try:
            return data.decode(charset, "replace")
        except Exception:  # a codec that fails even with replacement
            pass
    return data.decode("windows-1252", "replace")


def part_text(part: Message, max_bytes: int) -> str:
    """A text part's content as str, at most `max_bytes` of its bytes read; never raises."""
    return decode_text(payload_bytes(part)[:max_bytes], declared_charset(part))


def attached_message(part: Message) -> EmailMessage | None:
    """The mail inside a message/rfc822 part, if the parser found one."""
    children = subparts(part)
    return children[0] if children and isinstance(children[0], EmailMessage) else None


_BRACKETED_ID = re.compile(r"<([^<>\s]{1,998})>")


def message_id_tokens(value: str, limit: int = 100) -> list[str]:
    """The Message-IDs in a header value without angle brackets, in order, no repeats; a value
    without brackets is read as whitespace-separated ids (some clients omit them), keeping only
    tokens with an "@" so that old-style prose ("your message of …") is not taken for ids."""
    found = _BRACKETED_ID.findall(value)
    if not found:
        found = [token.strip("<>,;") for token in value.split()[:limit] if "@" in token]
    ids: list[str] = []
    for token in found:
        if token and len(token) <= 998 and token not in ids:
            ids.append(token)
            if len(ids) >= limit:
                break
    return ids
