"""Cases with known working-time figures for the report tests."""

import math

from sqlalchemy import select

from lotsen.cases.models import Case
from lotsen.extensions import db
from lotsen.timekeeping.models import CaseFigures
from tests.cases.helpers import open_case_directly


def python_percentile(values, share: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    lower, upper = math.floor(rank), math.ceil(rank)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower)


def case_with_figures(category, received_at, status="answered", attributes=None, **figures):
    """A case received at `received_at`, in `status` (and with the other `attributes` of the
    case, e.g. department_id), whose stored figures are `figures`."""
    case, _token = open_case_directly(category, received_at=received_at)
    row = db.session.get(Case, case.id)
    row.status = status
    for name, value in (attributes or {}).items():
        setattr(row, name, value)
    db.session.commit()
    row = db.session.scalar(select(CaseFigures).where(CaseFigures.case_id == case.id))
    values = {
        "first_response_minutes": 60,
        "handling_minutes": 600,
        "paused_minutes": 0,
        "calendar_days": 2,
        "resolution_margin_minutes": 100,
        "first_response_margin_minutes": 100,
    }
    values.update(figures)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()
    return case
