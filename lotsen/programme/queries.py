"""Reading the programme."""

from sqlalchemy import select

from lotsen.extensions import db
from lotsen.programme.models import StrategyArea, SubGoal


def all_areas() -> list[StrategyArea]:
    """Every strategy area, in programme order (sub-goal, then area)."""
    return list(
        db.session.scalars(
            select(StrategyArea)
            .join(StrategyArea.sub_goal)
            .order_by(SubGoal.sort_order, SubGoal.id, StrategyArea.sort_order, StrategyArea.id)
        )
    )
