"""Administration of departments, categories and settings. Every change is audited."""

from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select

from lotsen.accounts.models import Department
from lotsen.accounts.services import AccountError
from lotsen.audit.models import AuditEvent
from lotsen.audit.services import diff, record
from lotsen.cases.models import Category
from lotsen.extensions import db
from lotsen.settings import SETTING_DEFAULTS, Setting
from lotsen.timekeeping.services import Recomputed, recompute_after_target_change


def _name_taken(model, name: str, except_id: int | None) -> bool:
    query = select(func.count()).select_from(model).where(func.lower(model.name) == name.lower())
    if except_id is not None:
        query = query.where(model.id != except_id)
    return db.session.scalar(query) > 0


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names} if obj is not None else {}


def _save_named(actor, model, fields, obj, values, duplicate_message, label):
    """Create (obj=None) or update a uniquely named administrative record, with an audit entry."""
    values["name"] = values["name"].strip()
    if _name_taken(model, values["name"], obj.id if obj is not None else None):
        raise AccountError(duplicate_message)
    before = _fields(obj, fields)
    if obj is None:
        obj = model()
        db.session.add(obj)
    for name in fields:
        if name in values:
            setattr(obj, name, values[name])
    db.session.flush()
    changes = diff(before, _fields(obj, fields))
    if changes:
        verb = "updated" if before else "created"
        record(actor, f"{model.__tablename__}.{verb}", obj, f"{label} {obj.name}", changes)
    return obj


DEPARTMENT_FIELDS = ("name", "short_name", "email", "active")
CATEGORY_FIELDS = (
    "name",
    "help_text",
    "sort_order",
    "active",
    "target_first_response_hours",
    "target_resolution_days",
)
TARGET_FIELDS = ("target_first_response_hours", "target_resolution_days")


def save_department(actor, department: Department | None, **values) -> Department:
    """Create (department=None) or update a department."""
    message = _("Det finns redan en avdelning med det namnet.")
    return _save_named(
        actor, Department, DEPARTMENT_FIELDS, department, values, message, "Avdelning"
    )


class SavedCategory(NamedTuple):
    category: Category
    recomputed: Recomputed | None  # None when no service target changed


def save_category(actor, category: Category | None, **values) -> SavedCategory:
    """Create (category=None) or update a case category, with its service targets (first
    response in working hours, resolution in working days).

    When an existing category's targets change, the figures of its cases (due times, margins,
    the share within target) are recomputed in the same transaction, in batches; see
    timekeeping.services.recompute_now_or_later for what is left to the command."""
    message = _("Det finns redan en kategori med det namnet.")
    before = _fields(category, TARGET_FIELDS)
    saved = _save_named(actor, Category, CATEGORY_FIELDS, category, values, message, "Kategori")
    if not before or before == _fields(saved, TARGET_FIELDS):
        return SavedCategory(saved, None)
    return SavedCategory(saved, recompute_after_target_change(saved.id))


def get_settings() -> dict[str, str]:
    stored = {row.key: row.value for row in db.session.scalars(select(Setting))}
    return {key: stored.get(key, default) for key, default in SETTING_DEFAULTS.items()}


def save_settings(actor, values: dict[str, str]) -> dict:
    before = get_settings()
    for key in SETTING_DEFAULTS:
        if key not in values:
            continue
        row = db.session.get(Setting, key)
        if row is None:
            row = Setting(key=key)
            db.session.add(row)
        row.value = values[key].strip()
    db.session.flush()
    changes = diff(before, get_settings())
    if changes:
        db.session.add(
            AuditEvent(
                actor_id=actor.id,
                action="settings.updated",
                object_type="settings",
                summary="Inställningar ändrade",
                changes=changes,
            )
        )
    return changes
