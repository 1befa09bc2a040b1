"""Absolute links for e-mail, from a web request or from a command (cron, CLI, worker)."""

from urllib.parse import urlencode, urlsplit

from flask import current_app, has_request_context, url_for

from lotsen.request_input import has_controls


def external_url(endpoint: str, **values) -> str:
    """url_for(..., _external=True) that also works outside a request, using PUBLIC_BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context("/", base_url=base_url):
        return url_for(endpoint, _external=True, **values)


def url_for_with_query(endpoint: str, query, **values) -> str:
    """url_for(endpoint, **values) followed by the arguments of `query` (a MultiDict) as they are.

    Never pass query arguments to url_for as keywords: one named like a view argument or like
    url_for's own (`endpoint`, `_external`, `_anchor`) would break the link or redirect it.
    """
    path = url_for(endpoint, **values)
    encoded = urlencode(list(query.items(multi=True)))
    return f"{path}?{encoded}" if encoded else path


def safe_next_url(target: str | None) -> str:
    """Only same-site paths are followed after log-in: no open redirect."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    if "\\" in target or has_controls(target) or any(c.isspace() for c in target):
        return url_for("main.index")
    return target
