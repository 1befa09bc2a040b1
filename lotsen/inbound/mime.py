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
from email.policy import EmailPolicy

# Header values are read this far; only values up to MAX_STRUCTURED_CHARS are given to the
# structured header parser (whose cost grows faster than linearly on some hostile values).
MAX_HEADER_CHARS = 8_000
MAX_STRUCTURED_CHARS = 1_000
# What one message may spend on header parsing, in characters parsed (see BoundedPolicy).
STRUCTURED_BUDGET = 50_000
UNSTRUCTURED_BUDGET = 500_000
# The part tree is walked to this depth and this many parts at most (parse_message refuses
# deeper or larger trees; the readers simply stop).
MAX_DEPTH = 20
MAX_PARTS = 500
MESSAGE_TYPES = ("message/rfc822", "message/global")

_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[^@\s<>()\[\],;:\"]{1,255}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Labels that browsers decode as windows-1252 (WHATWG Encoding): a mail that says ISO-8859-1
# often holds "smart quotes" or the euro sign from the 0x80-0x9f range.
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"}
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "mbcs", "oem"}
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset=[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)
# Valid multi-byte UTF-8 sequences: their presence means a mislabeled body is really UTF-8.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


class BoundedPolicy(EmailPolicy):
    """`email.policy.default` with header parsing bounded per message.

    The structured header parser (addresses, Content-Type …) costs tens of microseconds per
    character and more on hostile values, and the parser asks for Content-Type several times
    per part. Here each distinct value is parsed once (cached), only values up to
    MAX_STRUCTURED_CHARS get the structured parser, longer ones (up to MAX_HEADER_CHARS) are
    read as unstructured text, a value the parser fails on too, and once a message has used
    its budget the raw text is returned. Reading a header of the message never raises.
    `get_content_type`, `get_param` and `get_filename` parse the text themselves, so they
    keep working on unstructured values."""

    parse_state: dict | None = None

    def header_fetch_parse(self, name, value):
        state = self.parse_state
        if state is None or hasattr(value, "name"):
            return super().header_fetch_parse(name, value)
        key = (name.lower(), value)
        cached = state["cache"].get(key)
        if cached is not None:
            return cached
        text = "".join(value[:MAX_HEADER_CHARS].splitlines())
        header = None
        if len(text) <= MAX_STRUCTURED_CHARS and state["structured"] > 0:
            state["structured"] -= len(text)
            try:
                header = self.header_factory(name, text)
            except Exception:  # a value the structured parser fails on
                header = None
        if header is None and state["unstructured"] > 0:
            state["unstructured"] -= len(text)
            try:
                header = self.header_factory[_UNSTRUCTURED](name, text)
            except Exception:  # not seen, but reading a header must not raise
                header = None
        if header is None:
            header = text
        if len(state["cache"]) < 5_000:
            state["cache"][key] = header
        return header


_UNSTRUCTURED = "x-lotsen-unstructured"


def bounded_policy() -> BoundedPolicy:
    """A fresh policy (with its own budget) for parsing one message."""
    state = {"structured": STRUCTURED_BUDGET, "unstructured": UNSTRUCTURED_BUDGET, "cache": {}}
    return BoundedPolicy(parse_state=state)


def raw_header(msg: Message, name: str) -> str | None:
    """The first `name` header exactly as it arrived (folded, encoded words not decoded)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def raw_values(msg: Message, name: str, limit: int = 50) -> list[str]:
    """Every `name` header as plain text without decoding encoded words (see `raw_text`)."""
    wanted = name.lower()
    return [_plain(str(value)) for key, value in msg.raw_items() if key.lower() == wanted][:limit]


def raw_text(msg: Message, name: str, *, tail: bool = False) -> str:
    """The first `name` header unfolded, without decoding encoded words: what tokens, ids and
    addresses are read from (none of them may be encoded). At most MAX_HEADER_CHARS from its
    start, or with `tail` from its end. "" when missing; never raises."""
    raw = raw_header(msg, name)
    if raw is None:
        return ""
    return _plain(raw[-MAX_HEADER_CHARS:] if tail else raw)


def _plain(raw: str) -> str:
    raw = raw[:MAX_HEADER_CHARS]
    # Raw 8-bit bytes (UTF-8 in an SMTPUTF8 mail, or Latin-1) arrive as surrogate escapes.
    data = raw.encode("utf-8", "surrogateescape")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        raw = data.decode("windows-1252", "replace")
    return _CONTROL.sub("", " ".join(raw.split()))


def header_text(msg: Message, name: str) -> str:
    """The first `name` header as readable text (encoded words decoded), "" when missing;
    never raises. Only short values go through the structured header parser, whose cost grows
    faster than linearly on some hostile values."""
    raw = raw_header(msg, name)
    if raw is None:
        return ""
    if len(raw) <= MAX_STRUCTURED_CHARS:
        try:
            return _plain(str(msg.policy.header_fetch_parse(name, raw)))
        except Exception:  # the structured parser has known failures on malformed values
            pass
    return _plain(decode_words(raw[:MAX_HEADER_CHARS]))


def decode_words(raw: str) -> str:
    """RFC 2047 encoded words decoded as far as possible, the rest left as it is."""
    try:
        return str(make_header(decode_header(raw)))
    except Exception:  # a malformed encoded word or an unknown charset
        return raw


def addresses_in(value: str, limit: int = 100) -> list[str]:
    """The addresses in a header value ("Anna <a@b.se>, c@d.se (Kontoret)"), lower-case,
    plausible ones only, without repeats. A linear scan of its own: the standard library's
    address parsers recurse on nested comments and slow down on runs of quotes."""
    found: list[str] = []
    for piece in _split_addresses(value[:MAX_HEADER_CHARS]):
        angle = _ANGLE_ADDRESS.findall(piece)
        candidates = angle[-1:] if angle else piece.split()
        for candidate in candidates:
            address = candidate.strip().strip("<>").lower()
            if _ADDRESS.match(address) and address not in found:
                found.append(address)
                break
        if len(found) >= limit:
            break
    return found


def _split_addresses(value: str) -> list[str]:
    """The comma-separated pieces of an address list, with quoted strings and comments
    removed (so that a quoted "a@b.se" or a comma in a name cannot mislead)."""
    pieces, current = [], []
    quoted, comment = False, 0
    previous = ""
    for char in value:
        if quoted:
            if char == '"' and previous != "\\":
                quoted = False
                current.append(" ")
        elif comment:
            if char == "(" and previous != "\\":
                comment += 1
            elif char == ")" and previous != "\\":
                comment -= 1
                if not comment:
                    current.append(" ")
        elif char == '"':
            quoted = True
        elif char == "(":
            comment = 1
        elif char in ",;":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
        previous = "" if previous == "\\" else char
    pieces.append("".join(current))
    return pieces


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
        if not into_messages and part is not msg and content_type(part) in MESSAGE_TYPES:
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
            codec = codecs.lookup(charset)
        except LookupError:
            charset = None
        else:  # "base64", "rot13", "unicode_escape" … are Python codecs, not charsets
            if not codec._is_text_encoding or codec.name in _NOT_CHARSETS:
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
    """A text part's content as str, at most `max_bytes` of its bytes read; never raises.
    An HTML part without a charset in its Content-Type is read in the one its <meta> gives."""
    data = payload_bytes(part)[:max_bytes]
    charset = declared_charset(part)
    if charset is None and content_type(part) == "text/html":
        found = _META_CHARSET.search(data[:4096])
        charset = found.group(1).decode("ascii").lower() if found else None
    return decode_text(data, charset)


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
