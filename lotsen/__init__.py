"""Lotsen: the case manager of a municipality's business liaison team."""

import os
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lotsen.config import (
    DefaultConfig,
    load_or_create_secret_key,
    normalise_database_url,
    settings_from_environment,
)
from lotsen.extensions import babel, csrf, db, limiter, login_manager, migrate
from lotsen.request_input import install_request_cleaning
from lotsen.routing import install_converters

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    configure(app, test_config)
    trust_proxies(app)
    install_converters(app)
    install_request_cleaning(app)
    register_extensions(app)
    register_blueprints(app)
    register_receivers()
    register_request_hooks(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(DefaultConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
        app.instance_path, "lotsen.sqlite"
    )
    app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings_from_environment())
    else:
        app.config.update(test_config)
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    if app.config["PREFERRED_URL_SCHEME"] == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["REMEMBER_COOKIE_DAYS"])


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_FIX_HOPS trusted proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (rate limits count per client, not per proxy)."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    import lotsen.models  # noqa: F401  (the whole schema, for Alembic)
    from lotsen.accounts.oidc import install as install_single_sign_on
    from lotsen.database import configure_engine
    from lotsen.i18n import reuse_wtforms_catalog, select_locale
    from lotsen.search.index import install as install_search_hooks
    from lotsen.settings import install as install_settings_cache
    from lotsen.timekeeping.hooks import install as install_figure_hooks

    db.init_app(app)
    with app.app_context():
        configure_engine(app, db.engine)
    migrate.init_app(
        app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(reuse_wtforms_catalog)
    init_limiter(app)
    login_manager.init_app(app)
    configure_login(app)
    install_single_sign_on(app)
    install_settings_cache()
    install_figure_hooks()
    install_search_hooks()


def init_limiter(app: Flask) -> None:
    # The limiter is one object per process; a new app (tests create many) starts with its
    # storage believed alive, and with the in-memory fallback as configured for it.
    limiter._storage_dead = False
    limiter._in_memory_fallback_enabled = app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]
    limiter.init_app(app)


def configure_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from lotsen.accounts.sessions import user_for_session_id

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        return user_for_session_id(session_id)


def register_blueprints(app: Flask) -> None:
    from lotsen.accounts.access import public, require_login_unless_public
    from lotsen.accounts.views import bp as accounts_bp
    from lotsen.admin.views import bp as admin_bp
    from lotsen.api.admin import bp as api_tokens_bp
    from lotsen.api.spec import install as install_api
    from lotsen.cases.views import bp as cases_bp
    from lotsen.companies.views import bp as companies_bp
    from lotsen.inbound.views import bp as inbound_bp
    from lotsen.main.views import bp as main_bp
    from lotsen.public.views import bp as public_bp
    from lotsen.replies.services import install as install_saved_replies
    from lotsen.replies.views import bp as replies_bp
    from lotsen.reports.delay.views import bp as delay_notices_bp
    from lotsen.reports.views import bp as reports_bp
    from lotsen.search.views import bp as search_bp
    from lotsen.strategy.views import bp as strategy_bp
    from lotsen.survey.views import bp as survey_bp
    from lotsen.team.views import bp as team_bp
    from lotsen.timekeeping.views import bp as timekeeping_bp
    from lotsen.triage.views import bp as triage_bp
    from lotsen.visits.views import bp as visits_bp
    from lotsen.webhooks.views import bp as webhooks_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(companies_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(inbound_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(timekeeping_bp)
    app.register_blueprint(triage_bp)
    app.register_blueprint(strategy_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(replies_bp)
    install_saved_replies(app)
    app.register_blueprint(reports_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(delay_notices_bp)
    app.register_blueprint(api_tokens_bp)
    install_api(app)
    app.register_blueprint(webhooks_bp)
    public(app.view_functions["static"])
    require_login_unless_public(app)


def register_receivers() -> None:
    """Connect the domains that react to what happens to a case (lotsen.cases.signals).

    Signals are process-wide and connecting a receiver twice keeps one connection, so every
    app (tests create many) may call this. Receivers run in the order they were connected:
    webhooks first, so that a new case's "case.created" is queued before the events of what
    triage then does with it (an assignment, its status change).
    """
    from lotsen.notifications.receivers import register_receivers as notifications
    from lotsen.survey.receivers import register_receivers as survey
    from lotsen.team.receivers import register_receivers as team
    from lotsen.triage.receivers import register_receivers as triage
    from lotsen.webhooks.receivers import register_receivers as webhooks

    for register in (webhooks, triage, team, notifications, survey):
        register()


def register_request_hooks(app: Flask) -> None:
    from lotsen.errors import register_error_handlers
    from lotsen.logging_setup import install_log_redaction
    from lotsen.security import register_security_headers
    from lotsen.templating import register_template_helpers

    install_log_redaction(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)


def register_commands(app: Flask) -> None:
    from lotsen.cli import lotsen_cli

    app.cli.add_command(lotsen_cli)
