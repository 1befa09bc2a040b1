"""The team connects to the case signals here (called once by lotsen.create_app)."""

from sqlalchemy import or_, select

from lotsen.cases.signals import cases_involving
from lotsen.extensions import db
from lotsen.team.models import CaseContribution


def cases_with_contribution_of(user, *, case_ids) -> set[int]:
    """Which of `case_ids` have a contribution asked of `user` or of one of their departments
    (such a user may read the case: lotsen.cases.access, rules 3 and 4). One query."""
    departments = {department.id for department in user.departments}
    involved = CaseContribution.contributor_id == user.id
    if departments:
        involved = or_(involved, CaseContribution.department_id.in_(departments))
    return set(
        db.session.scalars(
            select(CaseContribution.case_id).where(
                CaseContribution.case_id.in_(list(case_ids)), involved
            )
        )
    )


def register_receivers() -> None:
    cases_involving.connect(cases_with_contribution_of)
