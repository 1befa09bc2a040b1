"""Imports every model module so that the metadata (and Alembic) sees the whole schema."""

from lotsen.accounts.models import Department, User, UserRole, user_departments  # noqa: F401
from lotsen.admin.models import Setting  # noqa: F401
from lotsen.audit.models import AuditEvent  # noqa: F401
from lotsen.cases.models import Category  # noqa: F401
from lotsen.mail.models import OutboxMessage  # noqa: F401
