"""A walker over the whole app: discover pages, links, forms and query parameters, send requests.

The walker sees the app the way a browser and a hostile client do: it starts from the routes of
`app.url_map`, follows the links on every page it receives, parses every `<form>` (fields,
selects' options, the CSRF token) and learns the query parameters the views read (from the links
and GET forms it meets, and from `request.args` in the source). Every request is timed and runs
in a daemon thread with a hard timeout, so a hang fails the test instead of stopping the run.
"""

import html
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests.conftest import connection_lent_to

# No request may take longer than this (the "no hang": > 2 s is a failure).
TIME_LIMIT = 2.0
# Printing the yearly report with WeasyPrint is real, bounded work (about a second on an idle
# machine for a year and a half of demo data); on two busy test workers it gets more room.
PRINTED_PATHS = ("/rapporter/arsrapport.pdf",)
PRINT_TIME_LIMIT = 6.0


def time_limit_for(url: str) -> float:
    return PRINT_TIME_LIMIT if urlsplit(url).path in PRINTED_PATHS else TIME_LIMIT


# A request still running after this long is abandoned (its thread is a daemon) and reported.
HARD_TIMEOUT = 20.0
LOGIN_PATH = "/konto/logga-in"
PACKAGE = Path(__file__).resolve().parents[2] / "lotsen"
ARGS_READ = re.compile(r"request\.args\.get(?:list)?\(\s*[\"'](\w+)[\"']")


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str  # the URL of the page the form was found on
    method: str
    action: str
    enctype: str
    fields: list[Field]

    @property
    def key(self) -> tuple:
        return (self.method, self.action, tuple(sorted(f.name for f in self.fields)))

    def valid_values(self) -> dict[str, str]:
        """What a browser sends untouched: defaults, the first real option, ticked boxes."""
        values = {}
        for each in self.fields:
            if each.kind == "select":
                real = [option for option in each.options if option]
                values[each.name] = each.value or (real[0] if real else "")
            elif each.kind in ("checkbox", "radio"):
                own = each.value or (each.options[0] if each.options else "") or "y"
                values.setdefault(each.name, own)
            elif each.kind != "file":
                values[each.name] = each.value
        return values


class PageParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value or "") for name, value in attrs}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form(
                page=self.page,
                method=(attrs.get("method") or "get").upper(),
                action=attrs.get("action") or self.page,
                enctype=attrs.get("enctype", ""),
                fields=[],
            )
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                value = ""
                self._form.fields.append(Field(attrs["name"], kind, value, [attrs.get("value")]))
                return
            self._form.fields.append(Field(attrs["name"], kind, attrs.get("value", "")))
        elif tag == "select":
            self._select = Field(attrs["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))
            if "selected" in attrs:
                self._select.value = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = Field(attrs["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@dataclass
class Outcome:
    method: str
    url: str
    status: int
    elapsed: float
    location: str
    body: bytes
    content_type: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Hang(AssertionError):
    pass


class LoggedErrors(logging.Handler):
    """Collects the exceptions the app logs while answering (its 500 handler logs them)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            first_line = (str(error).splitlines() or [""])[0]
            self.seen.append(f"{type(error).__name__}: {first_line[:160]}")


# Requests sent by this test process, for the figures the suites print.
requests_sent = {"count": 0}


def timed(client, method: str, url: str, **kwargs) -> Outcome:
    """Send one request in a daemon thread; raise Hang if it runs past HARD_TIMEOUT."""
    requests_sent["count"] += 1
    result: dict = {}

    def run():
        started = time.perf_counter()
        try:
            response = client.open(url, method=method, **kwargs)
            result["outcome"] = Outcome(
                method,
                url,
                response.status_code,
                time.perf_counter() - started,
                response.headers.get("Location", ""),
                response.get_data(),
                response.content_type or "",
            )
        except Exception as error:  # TESTING propagates what would be a 500 in production
            result["outcome"] = Outcome(
                method,
                url,
                500,
                time.perf_counter() - started,
                "",
                f"{type(error).__name__}: {error}".encode(),
                "text/plain",
            )
        except BaseException as error:  # reported in the test's thread
            result["error"] = error

    errors = LoggedErrors()
    logger = client.application.logger
    logger.addHandler(errors)
    thread = threading.Thread(target=run, daemon=True)
    with connection_lent_to(thread):
        thread.start()
        thread.join(HARD_TIMEOUT)
    logger.removeHandler(errors)
    if thread.is_alive():
        raise Hang(f"{method} {url[:200]!r} still running after {HARD_TIMEOUT:.0f} s")
    if "error" in result:
        raise result["error"]
    outcome = result["outcome"]
    if errors.seen and outcome.content_type != "text/plain":
        outcome.body, outcome.content_type = errors.seen[-1].encode(), "text/plain"
    return outcome


def endpoint_of(app, method: str, url: str) -> str | None:
    parts = urlsplit(url)
    try:
        endpoint, _args = app.url_map.bind("localhost").match(parts.path, method=method)
    except RequestRedirect:
        return None
    except HTTPException:
        return None
    return endpoint


def same_site_path(href: str) -> str | None:
    parts = urlsplit(html.unescape(href))
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def placeholder_urls(app) -> list[str]:
    """A URL for every GET rule, with 1 (or the first choice) for each URL argument."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {}
        for argument, converter in rule._converters.items():
            kind = type(converter).__name__
            if kind == "AnyConverter":
                values[argument] = sorted(converter.items)[0]
            elif kind in ("IntegerConverter", "NumberConverter"):
                values[argument] = 1
            else:
                values[argument] = "csv" if argument in ("fmt", "kind") else "x"
        _domain, url = rule.build(values, append_unknown=False)
        urls.append(url)
    return urls


def query_parameters_in_source() -> set[str]:
    names = set()
    for path in PACKAGE.rglob("*.py"):
        names.update(ARGS_READ.findall(path.read_text(encoding="utf-8")))
    return names


@dataclass
class Site:
    """What a walk found: GET URLs by endpoint, forms, query parameter names, every outcome."""

    urls: dict[str, list[str]] = field(default_factory=dict)
    forms: dict[tuple, Form] = field(default_factory=dict)
    query_names: set[str] = field(default_factory=set)
    outcomes: list[Outcome] = field(default_factory=list)


def crawl(app, client, start: list[str], per_endpoint: int = 2, max_pages: int = 250) -> Site:
    """Breadth-first over the links of every page, at most `per_endpoint` URLs per endpoint."""
    site = Site(query_names=query_parameters_in_source())
    queue = list(dict.fromkeys(start))
    seen = set()
    while queue and len(site.outcomes) < max_pages:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        endpoint = endpoint_of(app, "GET", url)
        if endpoint is None or len(site.urls.get(endpoint, [])) >= per_endpoint:
            continue
        site.urls.setdefault(endpoint, []).append(url)
        outcome = timed(client, "GET", url)
        site.outcomes.append(outcome)
        site.query_names.update(name for name, _value in parse_qsl(urlsplit(url).query))
        if outcome.status != 200 or "html" not in outcome.content_type:
            continue
        parser = PageParser(url)
        parser.feed(outcome.text)
        for form in parser.forms:
            form.action = same_site_path(form.action) or url
            if form.method == "GET":
                site.query_names.update(f.name for f in form.fields)
                queue.append(form.action.split("?")[0] + "?" + urlencode(form.valid_values()))
            else:
                site.forms.setdefault(form.key, form)
        queue.extend(path for href in parser.links if (path := same_site_path(href)))
    return site


def problems_with(outcome: Outcome, logged_in_as: str | None) -> list[str]:
    """What is wrong with one response: a server error, slowness, or a lost log-in."""
    found = []
    where = f"{outcome.method} {outcome.url[:160]!r}"
    if outcome.status >= 500:
        detail = outcome.text[:120] if outcome.content_type == "text/plain" else ""
        found.append(f"{where}: status {outcome.status} {detail}".rstrip())
    if outcome.elapsed > time_limit_for(outcome.url):
        found.append(f"{where}: took {outcome.elapsed:.2f} s")
    if logged_in_as is not None:
        if outcome.status in (301, 302, 303, 307, 308) and outcome.location.startswith(LOGIN_PATH):
            found.append(f"{where}: sent to the log-in page although logged in")
        page = outcome.status == 200 and "<html" in outcome.text
        if page and html.escape(logged_in_as) not in outcome.text:
            found.append(f"{where}: a page without the logged-in user's name")
    return found
