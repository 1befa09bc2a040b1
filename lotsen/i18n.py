"""Choosing the interface language: the visitor's own choice, else Swedish."""

from babel import support
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from wtforms.i18n import messages_path

from lotsen.accounts.access import is_api_request


def select_locale() -> str:
    """The visitor's choice (kept in the session), else Swedish. An API client has no session:
    its Accept-Language header chooses, else Swedish."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if has_request_context() and is_api_request():
        return request.accept_languages.best_match(languages) or default
    language = session.get("language") if has_request_context() else None
    if language in languages:
        return language
    return default


WTFORMS_CATALOGS = "lotsen_wtforms_catalogs"


def reuse_wtforms_catalog() -> None:
    """Hand Flask-WTF the WTForms catalog of this request's language from a per-process cache.

    Flask-WTF reads WTForms' own message catalog from disk on every request that builds a form
    (it keeps it on the request only); parsing it cost about a millisecond of every public
    submission. It looks for `request.wtforms_translations` first, so set that.
    """
    locale = get_locale()
    catalogs = current_app.extensions.setdefault(WTFORMS_CATALOGS, {})
    catalog = catalogs.get(str(locale))
    if catalog is None:
        catalog = support.Translations.load(messages_path(), [locale], domain="wtforms")
        catalogs[str(locale)] = catalog
    request.wtforms_translations = catalog
