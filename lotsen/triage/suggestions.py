"""Who should lead a case: the suggestion score.

Who may lead a case: an active user with the role official or coordinator. Who is *available*:
such a user who is not away today (Europe/Stockholm date). Away officials are never suggested
and never auto-assigned; a coordinator may still pick one by hand (e.g. someone back tomorrow).

The suggestion score (higher is better), for an available official and a case:

* +20 if they handle the case's category (competence, `user_categories`),
* +10 if they belong to the case's department (set from the routing rule),
* +5 if they are the category's default case lead,
* −1 per open item on their desk: open cases they lead + open contributions asked of them.

Only officials with some competence (category or department) are suggested; ties go to the
lighter load, then the name. So an official who handles the category wins over a colleague of
the department until they carry ten more open items.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lotsen.accounts.models import User
from lotsen.cases.models import Case
from lotsen.triage.models import RoutingRule
from lotsen.triage.queries import (
    absent_user_ids,
    categories_handled,
    lead_candidates,
    rules_for,
    workloads,
)

CATEGORY_POINTS = 20
DEPARTMENT_POINTS = 10
DEFAULT_LEAD_POINTS = 5


@dataclass(frozen=True)
class Official:
    """A possible lead with what the suggestion weighs."""

    user: User
    department_ids: frozenset[int]
    category_ids: frozenset[int]
    load: int
    absent: bool

    @property
    def id(self) -> int:
        return self.user.id


@dataclass(frozen=True)
class Suggestion:
    official: Official
    score: int
    handles_category: bool
    in_department: bool


def officials(day: date | None = None) -> list[Official]:
    """Every possible lead with departments, categories, load and absence: five queries."""
    users = lead_candidates()
    ids = [user.id for user in users]
    handled = categories_handled(ids)
    loads = workloads(ids)
    away = absent_user_ids(day, ids)
    return [
        Official(
            user=user,
            department_ids=frozenset(d.id for d in user.departments),
            category_ids=frozenset(handled[user.id]),
            load=loads[user.id],
            absent=user.id in away,
        )
        for user in users
    ]


def score(official: Official, category_id: int, department_id: int | None, default_lead_id):
    """The suggestion for one official and case, or None if they are away or lack competence."""
    if official.absent:
        return None
    handles = category_id in official.category_ids
    in_department = department_id is not None and department_id in official.department_ids
    if not (handles or in_department):
        return None
    points = (
        CATEGORY_POINTS * handles
        + DEPARTMENT_POINTS * in_department
        + DEFAULT_LEAD_POINTS * (official.id == default_lead_id)
        - official.load
    )
    return Suggestion(official, points, handles, in_department)


def rank(candidates: Sequence[Official], case: Case, rule: RoutingRule | None) -> list[Suggestion]:
    default_lead_id = rule.default_lead_id if rule is not None else None
    department_id = case.department_id or (rule.department_id if rule is not None else None)
    scored = [score(o, case.category_id, department_id, default_lead_id) for o in candidates]
    suggestions = [s for s in scored if s is not None]
    return sorted(
        suggestions, key=lambda s: (-s.score, s.official.load, s.official.user.name, s.official.id)
    )


def suggest_lead(case: Case, candidates: Sequence[Official] | None = None) -> Suggestion | None:
    """The best available lead for `case`, or None when nobody with competence is in."""
    candidates = officials() if candidates is None else candidates
    ranked = rank(candidates, case, rules_for([case.category_id]).get(case.category_id))
    return ranked[0] if ranked else None


def suggestions_for(cases: Sequence[Case], candidates: Sequence[Official]) -> dict[int, Suggestion]:
    """The best suggestion per case (case id → Suggestion) with one query for the rules."""
    rules = rules_for(case.category_id for case in cases)
    result = {}
    for case in cases:
        ranked = rank(candidates, case, rules.get(case.category_id))
        if ranked:
            result[case.id] = ranked[0]
    return result
