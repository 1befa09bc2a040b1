"""Security headers sent with every response."""

from urllib.parse import urlsplit


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy; `form_targets` are further origins a form may lead to."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            " ".join(["form-action 'self'", *form_targets]),
            "frame-ancestors 'none'",
        ]
    )


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def form_targets(config) -> tuple[str, ...]:
    """With single sign-on, the log-out form ends at the provider's end-session endpoint (a
    redirect the browser checks against form-action), which lives at the issuer's origin."""
    issuer = config.get("OIDC_ISSUER")
    return (origin_of(issuer),) if issuer else ()


DOWNLOAD_TYPES = {
    "text/csv",
    "text/calendar",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def is_download(response) -> bool:
    """A file the browser saves: attachments, CSV, XLSX, PDF and .ics exports."""
    disposition = response.headers.get("Content-Disposition", "")
    return disposition.lower().startswith("attachment") or response.mimetype in DOWNLOAD_TYPES


def register_security_headers(app):
    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy", content_security_policy(form_targets(app.config))
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["PREFERRED_URL_SCHEME"] == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if is_download(response):
            # Downloads hold case data: no browser, proxy or shared computer may keep a copy.
            headers["Cache-Control"] = "no-store"
        elif response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
