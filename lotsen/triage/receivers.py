"""Triage connects to the case signals here (called once by lotsen.create_app)."""

from lotsen.accounts.models import Role
from lotsen.cases.signals import case_list_shown, case_opened, case_routing
from lotsen.triage import queries
from lotsen.triage.assignment import route_new_case, routing_for
from lotsen.triage.forms import BulkReassignForm, SavedFilterForm, lead_choices
from lotsen.triage.suggestions import officials


def case_list_extras(user) -> dict:
    """What the case list shows besides the cases: saved filters, view counts and (for
    coordinators) the bulk reassignment form."""
    extras = {
        "view_counts": queries.cached_view_counts(user),
        "saved_filters": queries.saved_filters_of(user),
        "filter_form": SavedFilterForm(prefix="filter"),
        "bulk_form": None,
    }
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        extras["bulk_form"] = BulkReassignForm(prefix="bulk", leads=lead_choices(officials()))
    return extras


def register_receivers() -> None:
    case_routing.connect(routing_for)
    case_opened.connect(route_new_case)
    case_list_shown.connect(case_list_extras)
