"""The yearly report as a PDF, printed by WeasyPrint from the web report's own HTML.

One template (templates/reports/yearly.html) serves the page and the PDF, so they cannot
disagree; the print rules of static/css/lotsen.css hide the navigation and the buttons. The PDF
is PDF/UA-1 (`pdf_variant="pdf/ua-1"`): tagged, with the document's language and title, and its
tables and headings in the structure tree, so a screen reader can read it. Charts are inline SVG
rendered on the server, which the browser and WeasyPrint both draw.

WeasyPrint needs Pango (scripts/lib/setup.sh: ensure_weasyprint_libs). It fetches only our own
static files (the stylesheet, the logo) from disk: no request leaves the machine while a
report is printed.
"""

import logging
import mimetypes
import os
from urllib.parse import urlsplit

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class ScreenOnlyCss(logging.Filter):
    """Drop WeasyPrint's notes about rules it does not apply to HTML and that the page needs in
    the browser only: SVG paint properties (the charts carry them as attributes too) and
    auto-fit grids (the print rules set fixed columns)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("unknown property" in message or '"auto-fit"' in message)


logging.getLogger("weasyprint").addFilter(ScreenOnlyCss())

BASE_URL = "http://lotsen.invalid/"  # relative links resolve here; nothing is fetched from it


class StaticFilesOnly(URLFetcher):
    """Serve /static/… from the app's static folder and refuse every other URL."""

    def __init__(self, static_folder: str, static_url_path: str):
        super().__init__(allowed_protocols=())
        self.folder = os.path.realpath(static_folder)
        self.prefix = static_url_path.rstrip("/") + "/"

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(
            self.prefix
        ):
            raise ValueError(f"Not fetched while printing: {url}")
        path = os.path.realpath(os.path.join(self.folder, parts.path[len(self.prefix) :]))
        if not path.startswith(self.folder + os.sep) or not os.path.isfile(path):
            raise ValueError(f"No such static file: {url}")
        with open(path, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF/UA-1 document of `html` (a page rendered by our templates)."""
    fetcher = StaticFilesOnly(current_app.static_folder, current_app.static_url_path)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1")
