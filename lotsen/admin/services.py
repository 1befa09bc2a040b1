"""Administration of departments, categories and settings. Every change is audited."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from lotsen.accounts.models import Department
from lotsen.accounts.services import AccountError
from lotsen.admin.models import SETTING_DEFAULTS, Setting
from lotsen.audit.models import AuditEvent
from lotsen.audit.services import diff, record
from lotsen.cases.models import Category
from lotsen.extensions import db


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
CATEGORY_FIELDS = ("name", "help_text", "sort_order", "active")


def save_department(actor, department: Department | None, **values) -> Department:
    """Create (department=None) or update a department."""
    message = _("Det finns redan en avdelning med det namnet.")
    return _save_named(
        actor, Department, DEPARTMENT_FIELDS, department, values, message, "Avdelning"
    )


def save_category(actor, category: Category | None, **values) -> Category:
    """Create (category=None) or update a case category."""
    message = _("Det finns redan en kategori med det namnet.")
    return _save_named(actor, Category, CATEGORY_FIELDS, category, values, message, "Kategori")


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
