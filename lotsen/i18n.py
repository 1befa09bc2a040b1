"""Choosing the interface language: the visitor's own choice, else Swedish."""

from flask import current_app, has_request_context, session


def select_locale() -> str:
    language = session.get("language") if has_request_context() else None
    if language in current_app.config["LANGUAGES"]:
        return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]
