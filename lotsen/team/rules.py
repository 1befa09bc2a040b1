"""Who may do what in the team's work, and the error raised when a rule is broken.

The write modules (contributions, coordinated_answer, handover, meetings, company_meetings)
check who may act, change the data, write the case event (the case timeline) and the audit
entry, and queue the notifications, all in the caller's transaction: the view or command
commits once.
"""

from flask_babel import gettext as _

from lotsen.accounts.models import Role, User
from lotsen.cases import services as cases
from lotsen.cases.models import Case
from lotsen.cases.workflow import OPEN_STATUSES
from lotsen.domain_errors import DomainError

OFFICIAL = cases.OFFICIAL
WORKING_ROLES = (Role.OFFICIAL, Role.COORDINATOR)

# Case event kinds the team writes; templates/team/_event.html describes them on the timeline.
TEAM_EVENT_KINDS = (
    "contribution_requested",
    "contribution_done",
    "contribution_declined",
    "coordinated_answer",
    "handover",
    "meeting_agenda",
    "meeting_outcome",
    "company_meeting",
)


class TeamError(DomainError):
    """A rule of the team's work was broken; the message is for the user (Swedish).

    `field` names the form field the message belongs next to, when there is one.
    """


def is_lead(user, case: Case) -> bool:
    return user is not None and case.lead_id is not None and case.lead_id == user.id


def is_lead_or_coordinator(user, case: Case) -> bool:
    return is_lead(user, case) or (user is not None and user.has_role(Role.COORDINATOR))


def may_hand_over(user, case: Case) -> bool:
    """The lead hands the case over; a coordinator may too (that is also how they assign)."""
    return is_lead_or_coordinator(user, case)


def may_request_contributions(user, case: Case) -> bool:
    """The lead asks for contributions; so may a coordinator (who often sets the team up)."""
    return is_lead_or_coordinator(user, case)


def may_arrange_company_meeting(user, case: Case) -> bool:
    return is_lead_or_coordinator(user, case)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise TeamError(message)


def require_open(case: Case) -> None:
    require(case.status in OPEN_STATUSES, _("Ärendet är inte öppet längre."))


def is_team_member(user: User) -> bool:
    return user.active and user.has_role(*WORKING_ROLES)
