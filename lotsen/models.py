"""Imports every model module so that the metadata (and Alembic) sees the whole schema."""

from lotsen.accounts.models import Department, User, UserRole, user_departments  # noqa: F401
from lotsen.admin.models import Setting  # noqa: F401
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
from lotsen.mail.models import OutboxMessage  # noqa: F401
from lotsen.timekeeping.models import CaseFigures, ClosedDay, ShortenedDay  # noqa: F401


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: leave out the search objects written by hand in the migrations."""
    return not (name or "").startswith(HAND_WRITTEN_SEARCH_OBJECTS)
