"""Routing, suggestions, assignment, absence, notifications and saved filters.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update

from lotsen.accounts.models import Department, Role, User, UserRole, user_departments
from lotsen.audit.services import diff, record
from lotsen.cases.models import Case, CaseEvent, CaseStatus, Category
from lotsen.cases.workflow import OPEN_STATUSES, change_status
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.services import queue_mail
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.triage.models import (
    Absence,
    AutoAssignMode,
    DepartmentAutoAssignment,
    Notification,
    RoutingRule,
    SavedFilter,
    user_categories,
)
from lotsen.urls import external_url

LEAD_ROLES = (Role.OFFICIAL, Role.COORDINATOR)
OPEN = sorted(OPEN_STATUSES)
CATEGORY_POINTS = 20
DEPARTMENT_POINTS = 10
DEFAULT_LEAD_POINTS = 5
SYSTEM = "system"
OFFICIAL = "official"


class TriageError(ValueError):
    """A rule about routing or assignment was broken; the message is for the user (Swedish)."""


def today() -> date:
    return utcnow().astimezone(STOCKHOLM).date()


# --- Who can lead, who is away, how loaded ------------------------------------------------------


def can_lead(user: User | None) -> bool:
    return user is not None and user.active and user.has_role(*LEAD_ROLES)


def lead_candidates() -> list[User]:
    """Every active official or coordinator, by name (roles and departments eagerly loaded)."""
    has_lead_role = select(UserRole.user_id).where(UserRole.role.in_([r.value for r in LEAD_ROLES]))
    return list(
        db.session.scalars(
            select(User).where(User.active, User.id.in_(has_lead_role)).order_by(User.name, User.id)
        )
    )


def absent_user_ids(day: date | None = None, user_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the users away on `day` (default today)."""
    day = day or today()
    query = select(Absence.user_id).where(Absence.starts_on <= day, Absence.ends_on >= day)
    if user_ids is not None:
        query = query.where(Absence.user_id.in_(list(user_ids)))
    return set(db.session.scalars(query))


def away_until(user_ids: Iterable[int], day: date | None = None) -> dict[int, date]:
    """The users away on `day` (default today), each with the last day of that absence."""
    day = day or today()
    rows = db.session.execute(
        select(Absence.user_id, func.max(Absence.ends_on))
        .where(
            Absence.starts_on <= day, Absence.ends_on >= day, Absence.user_id.in_(list(user_ids))
        )
        .group_by(Absence.user_id)
    )
    return dict(rows.all())


def is_absent(user: User, day: date | None = None) -> bool:
    return user.id in absent_user_ids(day, [user.id])


def open_case_counts(user_ids: Sequence[int]) -> dict[int, int]:
    """Open cases led by each user, in one grouped query (index ix_cases_lead_status)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Case.lead_id, func.count())
        .where(Case.lead_id.in_(list(user_ids)), Case.status.in_(OPEN))
        .group_by(Case.lead_id)
    )
    return dict(rows.all())


def open_contribution_counts(user_ids: Sequence[int]) -> dict[int, int]:
    """Open contributions (delsvar asked of them, not yet done or declined) per user."""
    from lotsen.team.models import CaseContribution, ContributionState

    if not user_ids:
        return {}
    rows = db.session.execute(
        select(CaseContribution.contributor_id, func.count())
        .where(
            CaseContribution.contributor_id.in_(list(user_ids)),
            CaseContribution.state == ContributionState.REQUESTED,
        )
        .group_by(CaseContribution.contributor_id)
    )
    return dict(rows.all())


def workloads(user_ids: Sequence[int]) -> dict[int, int]:
    """Open items on each user's desk: open cases as lead + open contributions. Two queries."""
    cases = open_case_counts(user_ids)
    contributions = open_contribution_counts(user_ids)
    return {uid: cases.get(uid, 0) + contributions.get(uid, 0) for uid in user_ids}


def categories_handled(user_ids: Sequence[int]) -> dict[int, set[int]]:
    handled: dict[int, set[int]] = {uid: set() for uid in user_ids}
    if user_ids:
        rows = db.session.execute(
            select(user_categories.c.user_id, user_categories.c.category_id).where(
                user_categories.c.user_id.in_(list(user_ids))
            )
        )
        for user_id, category_id in rows:
            handled[user_id].add(category_id)
    return handled


# --- Suggestions ---------------------------------------------------------------------------------


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


def rules_for(category_ids: Iterable[int]) -> dict[int, RoutingRule]:
    ids = sorted(set(category_ids))
    if not ids:
        return {}
    rows = db.session.scalars(select(RoutingRule).where(RoutingRule.category_id.in_(ids)))
    return {rule.category_id: rule for rule in rows}


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


# --- Assignment ----------------------------------------------------------------------------------


def notify(user: User, kind: str, case: Case | None, text) -> Notification:
    """Add an in-app notification; `text` is rendered in the recipient's language."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = str(text)
    notification = Notification(
        user_id=user.id, kind=kind, case_id=case.id if case else None, text=text[:300]
    )
    db.session.add(notification)
    return notification


def assign_case(
    case: Case,
    lead: User,
    actor: User | None,
    reason: str | None = None,
    how: str = "manual",
    expected_version: int | None = None,
    mail: bool = True,
) -> CaseEvent:
    """Make `lead` the case lead: an audited event, a notification and (by default) an e-mail.

    Replacing an existing lead needs a reason. A new case moves to "assigned". `expected_version`
    (from the form) refuses the change if someone saved the case after the page was shown.
    """
    reason = (reason or "").strip() or None
    if expected_version is not None and case.version != expected_version:
        raise TriageError(
            _("Ärendet %(number)s har ändrats av någon annan. Ladda om sidan.", number=case.number)
        )
    if case.status not in OPEN_STATUSES:
        raise TriageError(_("Bara öppna ärenden kan tilldelas en lots."))
    if not can_lead(lead):
        raise TriageError(_("Välj en aktiv tjänsteperson som lots."))
    if case.lead_id == lead.id:
        raise TriageError(_("%(name)s är redan lots för ärendet.", name=lead.name))
    previous = case.lead
    if previous is not None and not reason:
        raise TriageError(_("Skriv varför ärendet byter lots."))
    case.lead_id = lead.id
    case.lead = lead
    actor_kind = OFFICIAL if actor is not None else SYSTEM
    if case.status == CaseStatus.NEW:
        change_status(case, CaseStatus.ASSIGNED, actor, actor_kind)
    event = CaseEvent(
        case_id=case.id,
        actor_id=actor.id if actor is not None else None,
        actor_kind=actor_kind,
        kind="assigned" if previous is None else "reassigned",
        reason=reason,
        details={
            "lead_id": lead.id,
            "lead": lead.name,
            "previous_lead_id": previous.id if previous is not None else None,
            "previous_lead": previous.name if previous is not None else None,
            "how": how,
        },
    )
    db.session.add(event)
    notify(
        lead,
        "assigned",
        case,
        _l("Du är lots för %(number)s: %(subject)s", number=case.number, subject=case.subject),
    )
    if previous is not None and previous.active:
        notify(
            previous,
            "unassigned",
            case,
            _l("%(number)s har flyttats till %(name)s", number=case.number, name=lead.name),
        )
    if mail:
        queue_mail(
            lead.email,
            _l("Du är lots för %(number)s", number=case.number),
            "mail/case_assigned.txt",
            locale=lead.locale,
            case=case,
            lead=lead,
            actor=actor,
            reason=reason,
            link=external_url("cases.show", case_id=case.id),
        )
    return event


def take_lead(case: Case, official: User) -> CaseEvent:
    """`official` moves an unled case out of triage (a reply, a status change): they become its
    lead, so that the case is never nobody's outside the triage queue. No mail: they know."""
    if not can_lead(official):
        raise TriageError(_("Ärendet behöver en lots. Be en samordnare att tilldela det."))
    case.lead_id = official.id
    case.lead = official
    event = CaseEvent(
        case_id=case.id,
        actor_id=official.id,
        actor_kind=OFFICIAL,
        kind="assigned",
        details={"lead_id": official.id, "lead": official.name, "how": "self"},
    )
    db.session.add(event)
    return event


def bulk_reassign(case_ids: Sequence[int], lead: User, actor: User, reason: str) -> list[Case]:
    """Give several cases to `lead` at once (a coordinator's action); one summary e-mail.

    Every case gets its own audited event and notification. Cases already led by `lead` are
    skipped; the list of cases actually moved is returned.
    """
    reason = (reason or "").strip()
    if not reason:
        raise TriageError(_("Skriv varför ärendena byter lots."))
    if not case_ids:
        raise TriageError(_("Markera minst ett ärende."))
    if not can_lead(lead):
        raise TriageError(_("Välj en aktiv tjänsteperson som lots."))
    cases = list(
        db.session.scalars(select(Case).where(Case.id.in_(list(case_ids))).order_by(Case.id))
    )
    moved = []
    for case in cases:
        if case.lead_id == lead.id or case.status not in OPEN_STATUSES:
            continue
        assign_case(case, lead, actor, reason=reason, how="bulk", mail=False)
        moved.append(case)
    if moved:
        queue_mail(
            lead.email,
            _l("Du är lots för %(count)d ärenden till", count=len(moved)),
            "mail/cases_assigned.txt",
            locale=lead.locale,
            cases=moved,
            lead=lead,
            actor=actor,
            reason=reason,
            links={case.id: external_url("cases.show", case_id=case.id) for case in moved},
        )
    return moved


# --- Auto-assignment -------------------------------------------------------------------------


def auto_assignment_of(department_id: int) -> DepartmentAutoAssignment | None:
    return db.session.get(DepartmentAutoAssignment, department_id)


def available_members(department_id: int, day: date | None = None) -> list[User]:
    """Active officials and coordinators of the department who are not away, by id."""
    members = select(user_departments.c.user_id).where(
        user_departments.c.department_id == department_id
    )
    member_ids = set(db.session.scalars(members))
    users = [u for u in lead_candidates() if u.id in member_ids]
    away = absent_user_ids(day, [u.id for u in users])
    return sorted((u for u in users if u.id not in away), key=lambda u: u.id)


def next_in_rotation(department_id: int, available: Sequence[User]) -> User | None:
    """The next available member after the department's pointer, moving the pointer.

    The first UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until the
    transaction ends, so concurrent case creations queue here and each gets its own turn: the
    rotation is fair across processes without any in-memory state. The pointer is a user id,
    so members joining, leaving or being away simply drop in and out of the circle.
    """
    if not available:
        return None
    last_user_id = db.session.execute(
        update(DepartmentAutoAssignment)
        .where(DepartmentAutoAssignment.department_id == department_id)
        .values(turns=DepartmentAutoAssignment.turns + 1)
        .returning(DepartmentAutoAssignment.last_user_id)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    chosen = next((u for u in available if last_user_id is None or u.id > last_user_id), None)
    chosen = chosen or available[0]
    db.session.execute(
        update(DepartmentAutoAssignment)
        .where(DepartmentAutoAssignment.department_id == department_id)
        .values(last_user_id=chosen.id)
        .execution_options(synchronize_session=False)
    )
    return chosen


def least_loaded(available: Sequence[User]) -> User | None:
    loads = workloads([u.id for u in available])
    return min(available, key=lambda u: (loads[u.id], u.id), default=None)


def auto_assign(
    case: Case, department_id: int, mode: str | None = None, mode_read: bool = False
) -> CaseEvent | None:
    """Assign by the department's setting (round-robin or least-loaded); None if it is off.
    With `mode_read` the `mode` given is the stored one (routing reads it with the rule; None
    there means the department has no setting)."""
    if not mode_read:
        setting = auto_assignment_of(department_id)
        mode = setting.mode if setting is not None else None
    if mode is None or mode == AutoAssignMode.OFF:
        return None
    available = available_members(department_id)
    if mode == AutoAssignMode.ROUND_ROBIN:
        lead = next_in_rotation(department_id, available)
    else:
        lead = least_loaded(available)
    if lead is None:
        return None
    return assign_case(case, lead, None, how=mode)


@dataclass(frozen=True)
class Routing:
    """Where a new case of one category goes, read in one query before the case row is
    written (so that the INSERT already carries the department): the category (None if there
    is no such category), and from its rule (all None without one) the responsible department,
    the default lead's id and the department's auto-assignment mode."""

    category: Category | None
    department_id: int | None = None
    department_name: str | None = None
    default_lead_id: int | None = None
    auto_assign_mode: str | None = None


def routing_for(category_id: int | None) -> Routing:
    """The category of a new case and its routing: one SELECT (the category, and the rule's
    columns, its department's name and auto-assignment mode, outer-joined)."""
    row = db.session.execute(
        select(
            Category,
            RoutingRule.department_id,
            Department.name,
            RoutingRule.default_lead_id,
            DepartmentAutoAssignment.mode,
        )
        .outerjoin(RoutingRule, RoutingRule.category_id == Category.id)
        .outerjoin(Department, Department.id == RoutingRule.department_id)
        .outerjoin(
            DepartmentAutoAssignment,
            DepartmentAutoAssignment.department_id == RoutingRule.department_id,
        )
        .where(Category.id == category_id)
    ).first()
    return Routing(*row) if row is not None else Routing(None)


def route_new_case(
    case: Case, lead: User | None = None, actor: User | None = None, routing: Routing | None = None
) -> None:
    """Apply the category's routing rule to a case just created (called by cases.open_case).

    Sets the responsible department (open_case passes the `routing` it read before the insert,
    so the department is already in the new row: then only the "routed" event is added here);
    then a `lead` chosen by the creator (a visit follow-up's owner) takes the case, else the
    default lead if available, else the department's auto-assignment (if on) picks one;
    otherwise the case waits in the triage queue.
    """
    routing = routing or routing_for(case.category_id)
    if routing.department_id is None:
        if can_lead(lead):
            assign_case(case, lead, actor, how="chosen")
        return
    if case.department_id != routing.department_id:
        case.department_id = routing.department_id
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind=SYSTEM,
            kind="routed",
            details={"department_id": routing.department_id, "department": routing.department_name},
        )
    )
    if can_lead(lead):
        assign_case(case, lead, actor, how="chosen")
        return
    lead = db.session.get(User, routing.default_lead_id) if routing.default_lead_id else None
    if can_lead(lead) and not is_absent(lead):
        assign_case(case, lead, None, how="default_lead")
        return
    auto_assign(case, routing.department_id, routing.auto_assign_mode, mode_read=True)


# --- Routing rules and auto-assignment settings (admin) -------------------------------------


def rule_snapshot(rule: RoutingRule | None) -> dict:
    if rule is None:
        return {}
    return {
        "department_id": rule.department_id,
        "default_lead_id": rule.default_lead_id,
        "involved": sorted(d.id for d in rule.involved_departments),
    }


def save_routing_rule(
    actor: User,
    category: Category,
    department: Department,
    default_lead: User | None,
    involved: Sequence[Department],
) -> RoutingRule:
    """Create or change the routing rule of a category (audited)."""
    if department is None:
        raise TriageError(_("Välj ansvarig avdelning."))
    if default_lead is not None and not can_lead(default_lead):
        raise TriageError(_("Förvald lots måste vara en aktiv tjänsteperson."))
    rule = db.session.get(RoutingRule, category.id)
    before = rule_snapshot(rule)
    if rule is None:
        rule = RoutingRule(category_id=category.id)
        db.session.add(rule)
    rule.department_id = department.id
    rule.department = department
    rule.default_lead_id = default_lead.id if default_lead is not None else None
    rule.involved_departments = sorted(
        {d.id: d for d in involved if d.id != department.id}.values(), key=lambda d: d.name
    )
    db.session.flush()
    changes = diff(before, rule_snapshot(rule))
    if changes:
        record(actor, "routing_rules.saved", rule, f"Fördelningsregel {category.name}", changes)
    return rule


def set_auto_assignment(actor: User, department: Department, mode: str) -> None:
    """Turn a department's auto-assignment off or to round-robin / least-loaded (audited)."""
    try:
        mode = AutoAssignMode(mode)
    except ValueError as error:
        raise TriageError(_("Välj ett sätt att fördela.")) from error
    setting = auto_assignment_of(department.id)
    if setting is None:
        setting = DepartmentAutoAssignment(department_id=department.id, mode=AutoAssignMode.OFF)
        db.session.add(setting)
    if setting.mode == mode:
        return
    changes = {"mode": [setting.mode, mode.value]}
    setting.mode = mode
    db.session.flush()
    record(
        actor,
        "department_auto_assignment.saved",
        setting,
        f"Automatisk fördelning {department.name}",
        changes,
    )


# --- Competence and absence ------------------------------------------------------------------


def set_categories_handled(actor: User, user: User, category_ids: Iterable[int]) -> None:
    """Replace the categories `user` handles (audited)."""
    wanted = set(category_ids)
    known = set(db.session.scalars(select(Category.id).where(Category.id.in_(list(wanted)))))
    current = categories_handled([user.id])[user.id]
    if known == current:
        return
    db.session.execute(delete(user_categories).where(user_categories.c.user_id == user.id))
    if known:
        db.session.execute(
            insert(user_categories), [{"user_id": user.id, "category_id": c} for c in known]
        )
    record(
        actor,
        "users.categories",
        user,
        f"Kategorier för {user.name}",
        {"categories": [sorted(current), sorted(known)]},
    )


def add_absence(actor: User, user: User, starts_on: date, ends_on: date, note: str = "") -> Absence:
    """Mark `user` away from `starts_on` to `ends_on` (inclusive)."""
    if starts_on is None or ends_on is None:
        raise TriageError(_("Ange både första och sista dagen."))
    if ends_on < starts_on:
        raise TriageError(_("Sista dagen kan inte vara före första dagen."))
    if ends_on < today():
        raise TriageError(_("Frånvaron har redan passerat. Ange dagar från och med i dag."))
    overlapping = db.session.scalar(
        select(Absence).where(
            Absence.user_id == user.id, Absence.starts_on <= ends_on, Absence.ends_on >= starts_on
        )
    )
    if overlapping is not None:
        raise TriageError(
            _(
                "Det finns redan frånvaro %(start)s–%(end)s som överlappar. Ta bort den först.",
                start=overlapping.starts_on.isoformat(),
                end=overlapping.ends_on.isoformat(),
            )
        )
    absence = Absence(
        user_id=user.id,
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "").strip()[:200],
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(absence)
    db.session.flush()
    record(
        actor,
        "absences.created",
        absence,
        f"Frånvaro {user.name} {starts_on.isoformat()}–{ends_on.isoformat()}",
    )
    return absence


def delete_absence(actor: User, absence: Absence) -> None:
    record(
        actor,
        "absences.deleted",
        absence,
        f"Frånvaro {absence.user.name} {absence.starts_on.isoformat()}–"
        f"{absence.ends_on.isoformat()} borttagen",
    )
    db.session.delete(absence)


# --- Notifications -----------------------------------------------------------------------------


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of `user`'s notifications read; False if it is not theirs."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- Saved filters -----------------------------------------------------------------------------

FILTER_KEYS = (
    "scope",
    "q",
    "status",
    "category",
    "channel",
    "lead",
    "department",
    "received_from",
    "received_to",
    "age",
    "within_target",
    "measured",
    "sort",
)


def clean_query(query_string: str) -> str:
    """Only the case-list filter arguments of a query string, in a stable order."""
    pairs = dict(parse_qsl((query_string or "").lstrip("?"), keep_blank_values=False))
    return urlencode([(key, pairs[key][:200]) for key in FILTER_KEYS if pairs.get(key)])


def save_filter(user: User, name: str, query_string: str) -> SavedFilter:
    """Save the case-list filter under `name`; the same name again replaces it."""
    name = (name or "").strip()
    if not name:
        raise TriageError(_("Ge filtret ett namn."))
    if len(name) > 80:
        raise TriageError(_("Namnet får vara högst 80 tecken."))
    query = clean_query(query_string)[:1000]
    saved = db.session.scalar(
        select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name)
    )
    if saved is None:
        saved = SavedFilter(user_id=user.id, name=name, query=query)
        db.session.add(saved)
    else:
        saved.query = query
    db.session.flush()
    return saved


def delete_filter(user: User, filter_id: int) -> bool:
    result = db.session.execute(
        delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == user.id)
    )
    return result.rowcount == 1


def describe_how(how: str | None) -> str:
    """How an assignment was made, for the case timeline."""
    labels = {
        "default_lead": _("förvald lots för kategorin"),
        "chosen": _("vald när ärendet skapades"),
        AutoAssignMode.ROUND_ROBIN.value: _("automatiskt i turordning"),
        AutoAssignMode.LEAST_LOADED.value: _("automatiskt till den minst belastade"),
        "bulk": _("flera ärenden på en gång"),
        "self": _("tog själv ärendet när det lämnade fördelningen"),
    }
    return labels.get(how or "", "")
