"""Bounds on HTML produced from Markdown, shared by message bodies and e-mail."""

import re

# The tags a rendered message body or e-mail may keep after sanitising.
MESSAGE_TAGS = frozenset(
    {
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
)

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
