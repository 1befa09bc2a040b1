"""Markdown inputs known to make renderers slow (super-linear) or to smuggle HTML and scripts.

Every input is at most MAX_BODY characters, the longest message body any form accepts.
Reused by the security suite: import PATHOLOGICAL and UNSAFE.
"""

MAX_BODY = 20000
N = 5000  # as in issue 13: "[" * 5000 + "]" * 5000 cost 14-23 s with Python-Markdown

PATHOLOGICAL = {
    "nested brackets": "[" * N + "]" * N,
    "nested brackets then paren": "[" * N + "](" * 1 + "]" * N,
    "unclosed brackets": "[" * MAX_BODY,
    "bracket pairs": "[]" * N,
    "link chain": "[a](b)" * 3000,
    "reference link chain": "[a][b]" * 3000 + "\n\n[b]: /x",
    "nested links": "[" * 2000 + "a](b)" * 2000,
    "image chain": "![a](b)" * 2500,
    "nested parentheses in link": "[a](" + "(" * 8000 + ")" * 8000 + ")",
    "nested emphasis": "*" * N + "a" + "*" * N,
    "nested strong": "**" * 2500 + "a" + "**" * 2500,
    "alternating emphasis": "*_" * 5000,
    "alternating emphasis lines": ("*_" * 40 + "\n") * 200,
    "underscores": "_" * MAX_BODY,
    "asterisks": "*" * MAX_BODY,
    "emphasis openers": "*a " * 6000,
    "emphasis closers": "a* " * 6000,
    "strong openers": "**a " * 4500,
    "mixed delimiters": "a**b_c*d__e" * 1800,
    "backticks": "`" * MAX_BODY,
    "backtick runs": "".join("`" * i + "a" for i in range(1, 190)),
    "unclosed code spans": "`a " * 6500,
    "deep lists": "".join("  " * i + "- a\n" for i in range(60)),
    "deep ordered lists": "".join("   " * i + "1. a\n" for i in range(60)),
    "deep quotes": ">" * N + " a",
    "deep quote lines": "".join("> " * i + "a\n" for i in range(120)),
    "list in quote nesting": "> - " * 2500 + "a",
    "html tags": "<a>" * 6000,
    "html comments": "<!--" * 4500,
    "entities": "&#" * 9000,
    "autolinks": "<http://a" * 2000,
    "link destinations": "[a](<" * 3000,
    "link titles": '[a](b "' * 2800,
    "setext headings": ("a\n=\n") * 4000,
    "atx headings": "#" * MAX_BODY,
    "table-like pipes": "|" * MAX_BODY,
    "backslashes": "\\" * MAX_BODY,
    "many lines": "a\n" * 9999,
    "many blank lines": "\n" * MAX_BODY,
    "long line of spaces": " " * MAX_BODY,
    "tabs": "\t" * MAX_BODY,
    "hard breaks": "a  \n" * 4900,
    "fenced code openers": "```\n" * 4900,
    "link reference definitions": "".join(f"[r{i}]: /u{i}\n" for i in range(1000)),
}

UNSAFE = {
    "script tag": "<script>alert(1)</script>",
    "img onerror": '<img src=x onerror="alert(1)">',
    "javascript link": "[klicka](javascript:alert(1))",
    "javascript autolink": "<javascript:alert(1)>",
    "entity-encoded javascript": "[x](&#106;avascript:alert(1))",
    "data link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript link": "[x](vbscript:msgbox(1))",
    "raw iframe": "<iframe src='https://evil.example'></iframe>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "reference javascript": "[x][r]\n\n[r]: javascript:alert(1)",
    "image javascript": "![x](javascript:alert(1))",
}
