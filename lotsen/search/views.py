"""The case search page (/sok) and the similar cases on a case page."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.routing import bounded_int
from lotsen.search import queries
from lotsen.search.forms import filters_from, search_form

bp = Blueprint("search", __name__, url_prefix="/sok")
readers = roles_required(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER)


@bp.app_template_global("similar_cases")
def similar_cases(case) -> list[queries.SimilarCase]:
    """For the case page (shown only to those who may view the case)."""
    return queries.similar_cases(case, current_user)


@bp.route("/")
@readers
def index():
    form = search_form(request.args)
    filters = filters_from(form)
    cursor = bounded_int(request.args.get("after", ""))
    page = queries.search_cases(current_user, filters, cursor, current_app.config["PAGE_SIZE"])
    return render_template("search/index.html", form=form, filters=filters, page=page,
                           part_label=queries.part_label)  # fmt: skip
