"""The business strategy: goal, sub-goals (delmål), strategy areas with actions, and targets."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db


class StrategyGoal(db.Model):
    """The overall goal (mål), e.g. 2 500 new jobs by 2035."""

    __tablename__ = "strategy_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sub_goals: Mapped[list["SubGoal"]] = relationship(
        back_populates="goal", order_by="SubGoal.sort_order, SubGoal.id"
    )
    targets: Mapped[list["StrategyTarget"]] = relationship(
        back_populates="goal", order_by="StrategyTarget.sort_order, StrategyTarget.id"
    )

    def __str__(self) -> str:
        return self.name


class SubGoal(db.Model):
    """A sub-goal (delmål) under the goal."""

    __tablename__ = "strategy_sub_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("strategy_goals.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=100)

    goal: Mapped[StrategyGoal] = relationship(back_populates="sub_goals")
    areas: Mapped[list["StrategyArea"]] = relationship(
        back_populates="sub_goal", order_by="StrategyArea.sort_order, StrategyArea.id"
    )

    def __str__(self) -> str:
        return self.name


class StrategyArea(db.Model):
    """A strategy area (strategiområde) with the actions that carry it out."""

    __tablename__ = "strategy_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_goal_id: Mapped[int] = mapped_column(ForeignKey("strategy_sub_goals.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=100)

    sub_goal: Mapped[SubGoal] = relationship(back_populates="areas")
    actions: Mapped[list["StrategyAction"]] = relationship(
        back_populates="area",
        order_by="StrategyAction.sort_order, StrategyAction.id",
        cascade="all, delete-orphan",
    )

    def __str__(self) -> str:
        return self.name


class StrategyAction(db.Model):
    """One line of "Detta görs genom att …" under a strategy area."""

    __tablename__ = "strategy_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("strategy_areas.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(default=0)

    area: Mapped[StrategyArea] = relationship(back_populates="actions")


class StrategyTarget(db.Model):
    """A measurable target: a baseline, a target value and the year it should be reached.

    Values are whole numbers (jobs, visits, index points).
    """

    __tablename__ = "strategy_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("strategy_goals.id"), index=True)
    # A stable key lets reports find a target ("new_jobs", "visits_per_year") by meaning.
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    baseline: Mapped[int | None]
    baseline_year: Mapped[int | None]
    target_value: Mapped[int]
    target_year: Mapped[int]
    unit: Mapped[str] = mapped_column(String(40), default="")
    sort_order: Mapped[int] = mapped_column(default=100)

    goal: Mapped[StrategyGoal] = relationship(back_populates="targets")

    def __str__(self) -> str:
        return self.name
