"""Absolute links for e-mail, from a web request or from a command (cron, CLI, worker)."""

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """url_for(..., _external=True) that also works outside a request, using PUBLIC_BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base_url = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context("/", base_url=base_url):
        return url_for(endpoint, _external=True, **values)
