"""A business owner's browser over real HTTP: fetch the form, send it, read the receipt."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CATEGORY = re.compile(r'name="category"[^>]*value="(\d+)"|<option value="(\d+)"')
CASE_NUMBER = re.compile(r'class="case-number">([A-Z]+-\d{4}-\d+)<')
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TIMEOUT = 15


@dataclass
class Attempt:
    """What one submission showed its client: a case number, or how it failed."""

    email: str
    with_file: bool
    case_number: str | None = None
    failure: str | None = None  # "HTTP 503", "URLError: …", …


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
        )  # fmt: skip
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submit_question(base: str, email: str, with_file: bool) -> Attempt:
    attempt = Attempt(email=email, with_file=with_file)
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    try:
        with opener.open(f"{base}/fraga", timeout=TIMEOUT) as response:
            page = response.read().decode()
        category = next(a or b for a, b in CATEGORY.findall(page) if a or b)
        fields = {
            "csrf_token": CSRF.search(page).group(1),
            "company_name": "Felsäkra Bageriet AB",
            "submitter_name": "Robin Prov",
            "submitter_email": email,
            "preferred_contact": "email",
            "category": category,
            "subject": f"Fråga från {email}",
            "description": "Vi vill bygga ut bageriet. Vilka tillstånd behövs?",
            "privacy_acknowledged": "y",
        }
        if with_file:
            body, content_type = multipart(fields, {"attachments": ("ritning.pdf", PDF)})
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            f"{base}/fraga", data=body, headers={"Content-Type": content_type}
        )
        with opener.open(request, timeout=TIMEOUT) as response:  # follows to the receipt
            receipt = response.read().decode()
        match = CASE_NUMBER.search(receipt)
        if match:
            attempt.case_number = match.group(1)
        else:
            attempt.failure = f"no case number on {response.url}"
    except urllib.error.HTTPError as error:
        attempt.failure = f"HTTP {error.code}"
    except (OSError, urllib.error.URLError) as error:
        attempt.failure = f"{type(error).__name__}: {error}"
    return attempt
