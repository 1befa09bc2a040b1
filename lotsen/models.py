"""Imports every model module so that the metadata (and Alembic) sees the whole schema."""

from lotsen.accounts.models import (  # noqa: F401
    Department,
    User,
    UserIdentity,
    UserRole,
    user_departments,
)
from lotsen.api.models import ApiToken  # noqa: F401
from lotsen.audit.models import AuditEvent  # noqa: F401
from lotsen.cases.models import (  # noqa: F401
    Attachment,
    Case,
    CaseAccessToken,
    CaseCounter,
    CaseEvent,
    Category,
    Message,
)
from lotsen.companies.models import (  # noqa: F401
    HAND_WRITTEN_SEARCH_OBJECTS,
    Company,
    CompanySniCode,
    Contact,
    ImportRun,
    Tag,
)
from lotsen.inbound.models import InboundMessage  # noqa: F401
from lotsen.mail.models import OutboxAttachment, OutboxMessage  # noqa: F401
from lotsen.notifications.models import Notification  # noqa: F401
from lotsen.programme.models import (  # noqa: F401
    StrategyAction,
    StrategyArea,
    StrategyGoal,
    StrategyTarget,
    SubGoal,
)
from lotsen.replies.models import SavedReply  # noqa: F401
from lotsen.search.models import (  # noqa: F401
    CASE_SEARCH_HAND_WRITTEN,
    AttachmentText,
    CaseSearchDocument,
)
from lotsen.settings import Setting  # noqa: F401
from lotsen.survey.models import SurveyInvitation, SurveyResponse  # noqa: F401
from lotsen.team.models import (  # noqa: F401
    AgendaItem,
    CaseContribution,
    Meeting,
    MeetingSeries,
    meeting_participants,
)
from lotsen.timekeeping.models import CaseFigures, ClosedDay, ShortenedDay  # noqa: F401
from lotsen.triage.models import (  # noqa: F401
    Absence,
    DepartmentAutoAssignment,
    RoutingRule,
    SavedFilter,
    routing_rule_departments,
    user_categories,
)
from lotsen.visits.models import (  # noqa: F401
    FollowUp,
    Visit,
    VisitTopic,
    visit_participants,
    visit_topic_areas,
)
from lotsen.webhooks.models import (  # noqa: F401
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: leave out the search objects written by hand in the migrations."""
    return not (name or "").startswith(HAND_WRITTEN_SEARCH_OBJECTS + CASE_SEARCH_HAND_WRITTEN)
