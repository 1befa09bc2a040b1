from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from lotsen.accounts.access import public
from lotsen.accounts.models import Role
from lotsen.cases.queries import my_open_cases, open_case_counts
from lotsen.extensions import db
from lotsen.timekeeping.calendar import local_today
from lotsen.urls import safe_next_url
from lotsen.visits.services import overdue_follow_ups

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    works_cases = current_user.has_role(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER)
    return render_template(
        "main/index.html",
        user=current_user,
        overdue_follow_ups=overdue_follow_ups(current_user, local_today()),
        case_counts=open_case_counts() if works_cases else None,
        my_cases=my_open_cases(current_user) if works_cases else [],
    )


@bp.route("/sprak", methods=["POST"])
@public
def set_language():
    language = request.form.get("language", "")
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
    return redirect(safe_next_url(request.form.get("next")))


@bp.route("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/tillganglighet")
@public
def accessibility_statement():
    return render_template("main/accessibility.html")


@bp.route("/favicon.ico")
@public
def favicon():
    return redirect(url_for("static", filename="img/favicon.svg"))
