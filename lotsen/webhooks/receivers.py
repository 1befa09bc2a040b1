"""Webhooks connect to the domains' signals here (called once by lotsen.create_app).

Each receiver queues one event (outbox.enqueue) in the sender's transaction. The payloads carry
ids, the case number, statuses, category, department and lead: what an integration needs to
fetch or file the case, and no personal data (no names, addresses, messages or answers). The
README (Integrations → Webhooks) documents every payload.
"""

from lotsen.cases.models import Case
from lotsen.cases.signals import (
    case_answered,
    case_assigned,
    case_closed,
    case_lead_taken,
    case_opened,
    case_status_changed,
)
from lotsen.survey.signals import survey_answered
from lotsen.team.signals import case_handed_over, contribution_done
from lotsen.visits.signals import visit_recorded
from lotsen.webhooks.models import EventType
from lotsen.webhooks.outbox import enqueue, timestamp


def case_data(case: Case) -> dict:
    """What every case event says about the case, as it is at that moment."""
    return {
        "case_id": case.id,
        "case_number": case.number,
        "status": str(case.status),
        "channel": str(case.channel),
        "category_id": case.category_id,
        "category": case.category.name if case.category is not None else None,
        "department_id": case.department_id,
        "department": case.department.name if case.department is not None else None,
        "lead_id": case.lead_id,
        "company_id": case.company_id,
        "received_at": timestamp(case.received_at),
    }


def case_created(case: Case, **_signal) -> None:
    enqueue(EventType.CASE_CREATED, lambda: case_data(case))


def case_assigned_to_lead(case: Case, *, lead, previous, actor, how: str, **_signal) -> None:
    enqueue(
        EventType.CASE_ASSIGNED,
        lambda: (
            case_data(case)
            | {
                "lead_id": lead.id,
                "previous_lead_id": previous.id if previous is not None else None,
                "assigned_by_id": actor.id if actor is not None else None,
                "how": str(how),
            }
        ),
    )


def case_lead_self_taken(case: Case, *, lead, **_signal) -> None:
    enqueue(
        EventType.CASE_ASSIGNED,
        lambda: (
            case_data(case)
            | {
                "lead_id": lead.id,
                "previous_lead_id": None,
                "assigned_by_id": lead.id,
                "how": "self",
            }
        ),
    )


def handed_over(case: Case, *, actor, previous_lead_id, previous_department_id, **_signal):
    enqueue(
        EventType.CASE_ASSIGNED,
        lambda: (
            case_data(case)
            | {
                "previous_lead_id": previous_lead_id,
                "previous_department_id": previous_department_id,
                "assigned_by_id": actor.id if actor is not None else None,
                "how": "handover",
            }
        ),
    )


def status_changed(case: Case, *, from_status, to_status, actor, **_signal) -> None:
    enqueue(
        EventType.CASE_STATUS_CHANGED,
        lambda: (
            case_data(case)
            | {
                "previous_status": str(from_status),
                "status": str(to_status),
                "changed_by_id": actor.id if actor is not None else None,
            }
        ),
    )


def answered(case: Case, *, message, actor, coordinated: bool, **_signal) -> None:
    enqueue(
        EventType.CASE_ANSWERED,
        lambda: (
            case_data(case)
            | {
                "message_id": message.id,
                "coordinated": bool(coordinated),
                "answered_by_id": actor.id if actor is not None else None,
                "sent_by_email": bool(case.submitter_email),
            }
        ),
    )


def closed(case: Case, **_signal) -> None:
    enqueue(
        EventType.CASE_CLOSED, lambda: case_data(case) | {"closed_at": timestamp(case.closed_at)}
    )


def contribution_finished(contribution, *, case: Case, actor, **_signal) -> None:
    enqueue(
        EventType.CONTRIBUTION_DONE,
        lambda: (
            case_data(case)
            | {
                "contribution_id": contribution.id,
                "contribution_department_id": contribution.department_id,
                "contributor_id": contribution.contributor_id,
                "requested_by_id": contribution.requested_by_id,
                "finished_at": timestamp(contribution.finished_at),
            }
        ),
    )


def visit_saved(visit, **_signal) -> None:
    enqueue(
        EventType.VISIT_RECORDED,
        lambda: {
            "visit_id": visit.id,
            "company_id": visit.company_id,
            "starts_at": timestamp(visit.starts_at),
            "participant_ids": sorted(user.id for user in visit.participants),
            "created_by_id": visit.created_by_id,
        },
    )


def survey_response(response, *, invitation, **_signal) -> None:
    enqueue(
        EventType.SURVEY_ANSWERED,
        lambda: {
            "response_id": response.id,
            "case_id": invitation.case_id,
            "case_number": invitation.case.number,
            "answered_at": timestamp(invitation.answered_at),
        },
    )


def register_receivers() -> None:
    case_opened.connect(case_created)
    case_assigned.connect(case_assigned_to_lead)
    case_lead_taken.connect(case_lead_self_taken)
    case_handed_over.connect(handed_over)
    case_status_changed.connect(status_changed)
    case_answered.connect(answered)
    case_closed.connect(closed)
    contribution_done.connect(contribution_finished)
    visit_recorded.connect(visit_saved)
    survey_answered.connect(survey_response)
