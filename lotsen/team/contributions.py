"""Contributions (delsvar): the lead asks an official of another department a question about a
case; the contributor drafts, completes or declines, and the lead is told."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lotsen.accounts.models import Department, User
from lotsen.audit import services as audit
from lotsen.cases import services as cases
from lotsen.cases.models import Case
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.notifications.services import notify_official
from lotsen.team.models import CaseContribution, ContributionState
from lotsen.team.rules import (
    OFFICIAL,
    TeamError,
    is_lead,
    is_team_member,
    may_request_contributions,
    require,
    require_open,
)
from lotsen.team.signals import contribution_done
from lotsen.timekeeping.calendar import local_today
from lotsen.urls import external_url


def contribution_department(contributor: User, case: Case) -> Department | None:
    """The department a contribution is asked of: the contributor's first department that is
    not the case's own, else their first one."""
    others = [d for d in contributor.departments if d.id != case.department_id]
    return (others or contributor.departments or [None])[0]


def request_contribution(
    actor: User, case: Case, contributor: User, question: str, due_on: date
) -> CaseContribution:
    """The lead (or a coordinator) asks `contributor` a question about `case`, to be answered
    by `due_on`."""
    question = checked_question(actor, case, contributor, question, due_on)
    department = contribution_department(contributor, case)
    contribution = CaseContribution(
        case_id=case.id,
        contributor_id=contributor.id,
        requested_by_id=actor.id,
        department_id=department.id if department else None,
        question=question,
        due_on=due_on,
    )
    db.session.add(contribution)
    db.session.flush()
    record_request(actor, case, contribution, contributor, department)
    notify_official(
        contributor,
        "contribution_requested",
        case,
        _l("Du har fått en fråga om delsvar i %(number)s", number=case.number),
        _l("Delsvar önskas i ärende %(number)s", number=case.number),
        "mail/team_contribution_requested.txt",
        contribution=contribution,
        lead=actor,
        link=external_url("team.contribution", contribution_id=contribution.id),
    )
    return contribution


def checked_question(
    actor: User, case: Case, contributor: User | None, question: str, due_on: date
) -> str:
    """Check that `actor` may ask `contributor` about `case` by `due_on`; return the question,
    stripped. Raises TeamError naming the field at fault."""
    require(
        may_request_contributions(actor, case),
        _("Bara ärendets lots eller en samordnare kan begära delsvar."),
    )
    require_open(case)
    question = (question or "").strip()
    if not question:
        raise TeamError(_("Skriv frågan."), "question")
    check_contributor(actor, case, contributor)
    if due_on < local_today():
        raise TeamError(_("Välj ett datum från och med i dag."), "due_on")
    if has_open_contribution(case, contributor):
        raise TeamError(
            _("%(name)s har redan ett obesvarat delsvar i ärendet.", name=contributor.name),
            "contributor_id",
        )
    return question


def check_contributor(actor: User, case: Case, contributor: User | None) -> None:
    """The contributor is a team member other than the one asking and the case's lead."""
    if contributor is None or not is_team_member(contributor):
        raise TeamError(_("Välj en tjänsteperson i listan."), "contributor_id")
    if contributor.id == actor.id and is_lead(actor, case):
        raise TeamError(_("Du är själv lots för ärendet."), "contributor_id")
    if contributor.id == actor.id:
        raise TeamError(_("Du kan inte be dig själv om ett delsvar."), "contributor_id")
    if contributor.id == case.lead_id:
        raise TeamError(_("%(name)s är lots för ärendet.", name=contributor.name), "contributor_id")


def has_open_contribution(case: Case, contributor: User) -> bool:
    """Whether `contributor` already has an unanswered question in `case`."""
    already = db.session.scalar(
        select(CaseContribution.id).where(
            CaseContribution.case_id == case.id,
            CaseContribution.contributor_id == contributor.id,
            CaseContribution.state == ContributionState.REQUESTED,
        )
    )
    return already is not None


def record_request(
    actor: User,
    case: Case,
    contribution: CaseContribution,
    contributor: User,
    department: Department | None,
) -> None:
    """The request on the case's timeline and in the audit log."""
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "contribution_requested",
        details={
            "contribution_id": contribution.id,
            "contributor": contributor.name,
            "department": department.name if department else None,
            "due_on": contribution.due_on.isoformat(),
        },
    )
    audit.record(
        actor,
        "contribution.request",
        contribution,
        f"Delsvar begärt av {contributor.name} i {case.number}",
    )


def require_contributor(actor: User, contribution: CaseContribution) -> None:
    require(
        actor is not None and actor.id == contribution.contributor_id,
        _("Bara den som fått frågan kan svara på den."),
    )
    require(contribution.is_open, _("Delsvaret är redan avslutat."))


def save_contribution_draft(actor: User, contribution: CaseContribution, answer: str) -> None:
    """The contributor keeps a draft; nobody is told yet."""
    require_contributor(actor, contribution)
    contribution.answer = (answer or "").strip()


def complete_contribution(actor: User, contribution: CaseContribution, answer: str) -> None:
    """The contributor marks their part done; the lead is told."""
    require_contributor(actor, contribution)
    answer = (answer or "").strip()
    if not answer:
        raise TeamError(_("Skriv ditt delsvar innan du markerar det som klart."), "answer")
    contribution.answer = answer
    finish(actor, contribution, ContributionState.DONE)


def decline_contribution(actor: User, contribution: CaseContribution, reason: str) -> None:
    """The contributor declines, with a reason the lead reads; the lead is told."""
    require_contributor(actor, contribution)
    reason = (reason or "").strip()
    if not reason:
        raise TeamError(_("Skriv varför du avböjer."), "reason")
    contribution.decline_reason = reason
    finish(actor, contribution, ContributionState.DECLINED)


def finish(actor: User, contribution: CaseContribution, state: ContributionState) -> None:
    contribution.state = state
    contribution.finished_at = utcnow()
    case = db.session.get(Case, contribution.case_id)
    kind = f"contribution_{state.value}"
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        kind,
        reason=contribution.decline_reason if state == ContributionState.DECLINED else None,
        details={"contribution_id": contribution.id, "contributor": actor.name},
    )
    audit.record(
        actor, f"contribution.{state.value}", contribution, f"Delsvar {state.value}: {case.number}"
    )
    if state == ContributionState.DONE:
        contribution_done.send(contribution, case=case, actor=actor)
    lead = case.lead or contribution.requested_by
    if state == ContributionState.DONE:
        text = _l(
            "%(name)s har lämnat sitt delsvar i %(number)s", name=actor.name, number=case.number
        )
    else:
        text = _l(
            "%(name)s har avböjt att lämna delsvar i %(number)s",
            name=actor.name,
            number=case.number,
        )
    if lead is not None and lead.id != actor.id:
        notify_official(
            lead,
            kind,
            case,
            text,
            text,
            "mail/team_contribution_finished.txt",
            contribution=contribution,
            contributor=actor,
        )
