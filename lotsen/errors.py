"""Error pages in the visitor's language, and JSON errors for API clients."""

from flask import jsonify, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lotsen.accounts.access import wants_json
from lotsen.extensions import db

PAGES = {400, 403, 404, 405, 413, 429, 500}


def render_error(status: int, error=None):
    db.session.rollback()
    if wants_json():
        return jsonify(error=getattr(error, "name", "error"), status=status), status
    template = f"errors/{status}.html" if status in PAGES else "errors/generic.html"
    return render_template(template, status=status, error=error), status


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, error)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, error)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("Unhandled error")
        return render_error(500, error)
