"""Loading and editing the business strategy. Every write is audited; callers commit."""

import json
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from lotsen.audit.services import diff, record
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.programme.models import (
    StrategyAction,
    StrategyArea,
    StrategyGoal,
    StrategyTarget,
    SubGoal,
)

DEFAULT_PROGRAMME_PATH = Path(__file__).with_name("data") / "lerum_program.json"


class StrategyError(DomainError):
    """A change that breaks a rule of the strategy (shown to the user in Swedish)."""

    def __init__(self, message: str, field: str = "name"):
        super().__init__(message)
        self.field = field


# --- Loading a programme from data ------------------------------------------------------------


def read_programme(path: Path | str = DEFAULT_PROGRAMME_PATH) -> dict:
    """The programme as a dict, read from a JSON file shaped like data/lerum_program.json."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_programme(actor, data: dict) -> StrategyGoal | None:
    """Create the goal, sub-goals, areas, actions and targets described by `data`.

    Returns None (and changes nothing) when a goal with the same name already exists, so that
    loading the same programme twice is harmless.
    """
    goal_data = data["goal"]
    if goal_named(goal_data["name"]) is not None:
        return None
    goal = StrategyGoal(name=goal_data["name"], description=goal_data.get("description", ""))
    db.session.add(goal)
    for index, sub_goal_data in enumerate(data.get("sub_goals", [])):
        add_sub_goal_from(goal, sub_goal_data, sort_order=(index + 1) * 10)
    for index, target_data in enumerate(data.get("targets", [])):
        goal.targets.append(target_from(target_data, sort_order=(index + 1) * 10))
    db.session.flush()
    record(actor, "strategy.load", goal, f"Strategin {goal.name} inläst")
    return goal


def add_sub_goal_from(goal: StrategyGoal, data: dict, sort_order: int) -> SubGoal:
    sub_goal = SubGoal(
        name=data["name"], description=data.get("description", ""), sort_order=sort_order
    )
    goal.sub_goals.append(sub_goal)
    for index, area_data in enumerate(data.get("areas", [])):
        area = StrategyArea(
            name=area_data["name"],
            description=area_data.get("description", ""),
            sort_order=sort_order * 10 + index + 1,
        )
        area.actions = actions_from_lines(area_data.get("actions", []))
        sub_goal.areas.append(area)
    return sub_goal


def target_from(data: dict, sort_order: int) -> StrategyTarget:
    return StrategyTarget(
        key=data["key"],
        name=data["name"],
        baseline=data.get("baseline"),
        baseline_year=data.get("baseline_year"),
        target_value=data["target_value"],
        target_year=data["target_year"],
        unit=data.get("unit", ""),
        sort_order=sort_order,
    )


def actions_from_lines(lines) -> list[StrategyAction]:
    texts = [line.strip().lstrip("-•").strip() for line in lines]
    return [
        StrategyAction(text=text, sort_order=index)
        for index, text in enumerate(t for t in texts if t)
    ]


# --- Queries -----------------------------------------------------------------------------------


def goal_named(name: str) -> StrategyGoal | None:
    return db.session.scalar(select(StrategyGoal).where(StrategyGoal.name == name))


def current_goal() -> StrategyGoal | None:
    """The programme in force: the first goal entered."""
    return db.session.scalar(select(StrategyGoal).order_by(StrategyGoal.id).limit(1))


def target_by_key(key: str) -> StrategyTarget | None:
    return db.session.scalar(select(StrategyTarget).where(StrategyTarget.key == key))


# --- Editing -----------------------------------------------------------------------------------


@dataclass
class GoalData:
    name: str
    description: str = ""


@dataclass
class SubGoalData:
    name: str
    description: str = ""
    sort_order: int = 100


@dataclass
class AreaData:
    sub_goal: SubGoal
    name: str
    description: str = ""
    actions: str = ""
    sort_order: int = 100


@dataclass
class TargetData:
    key: str
    name: str
    target_value: int
    target_year: int
    baseline: int | None = None
    baseline_year: int | None = None
    unit: str = ""
    sort_order: int = 100


def snapshot(obj, fields) -> dict:
    return {field: getattr(obj, field) for field in fields}


def apply(obj, data, fields) -> dict:
    before = snapshot(obj, fields)
    for field in fields:
        setattr(obj, field, getattr(data, field))
    return diff(before, snapshot(obj, fields))


GOAL_FIELDS = ("name", "description")
SUB_GOAL_FIELDS = ("name", "description", "sort_order")
AREA_FIELDS = ("name", "description", "sort_order")
TARGET_FIELDS = (
    "key",
    "name",
    "baseline",
    "baseline_year",
    "target_value",
    "target_year",
    "unit",
    "sort_order",
)


def save_goal(actor, goal: StrategyGoal | None, data: GoalData) -> StrategyGoal:
    """Create or update the overall goal."""
    other = goal_named(data.name)
    if other is not None and other is not goal:
        raise StrategyError(_("Det finns redan ett mål med det namnet."))
    created = goal is None
    goal = goal or StrategyGoal()
    db.session.add(goal)
    changes = apply(goal, data, GOAL_FIELDS)
    db.session.flush()
    record(
        actor,
        "strategy_goal.create" if created else "strategy_goal.update",
        goal,
        f"Mål: {goal.name}",
        changes,
    )
    return goal


def save_sub_goal(actor, goal: StrategyGoal, sub_goal: SubGoal | None, data: SubGoalData):
    """Create or update a sub-goal (delmål) of `goal`."""
    created = sub_goal is None
    sub_goal = sub_goal or SubGoal(goal=goal)
    db.session.add(sub_goal)
    changes = apply(sub_goal, data, SUB_GOAL_FIELDS)
    db.session.flush()
    record(
        actor,
        "strategy_sub_goal.create" if created else "strategy_sub_goal.update",
        sub_goal,
        f"Delmål: {sub_goal.name}",
        changes,
    )
    return sub_goal


def save_area(actor, area: StrategyArea | None, data: AreaData) -> StrategyArea:
    """Create or update a strategy area; `data.actions` holds one action per line."""
    other = db.session.scalar(
        select(StrategyArea).where(func.lower(StrategyArea.name) == data.name.lower())
    )
    if other is not None and other is not area:
        raise StrategyError(_("Det finns redan ett strategiområde med det namnet."))
    created = area is None
    area = area or StrategyArea()
    db.session.add(area)
    before_actions = [action.text for action in area.actions]
    changes = apply(area, data, AREA_FIELDS)
    if area.sub_goal is not data.sub_goal:
        changes["sub_goal"] = [area.sub_goal.name if area.sub_goal else None, data.sub_goal.name]
        area.sub_goal = data.sub_goal
    new_actions = actions_from_lines(data.actions.splitlines())
    if [action.text for action in new_actions] != before_actions:
        area.actions = new_actions
        changes["actions"] = [len(before_actions), len(new_actions)]
    db.session.flush()
    record(
        actor,
        "strategy_area.create" if created else "strategy_area.update",
        area,
        f"Strategiområde: {area.name}",
        changes,
    )
    return area


def save_target(actor, goal: StrategyGoal, target: StrategyTarget | None, data: TargetData):
    """Create or update a target (mål med utgångsvärde, målvärde och år)."""
    other = target_by_key(data.key)
    if other is not None and other is not target:
        raise StrategyError(_("Det finns redan ett mått med den nyckeln."), field="key")
    if data.baseline_year is not None and data.baseline_year > data.target_year:
        raise StrategyError(
            _("Målåret kan inte ligga före året för utgångsvärdet."), field="target_year"
        )
    created = target is None
    target = target or StrategyTarget(goal=goal)
    db.session.add(target)
    changes = apply(target, data, TARGET_FIELDS)
    db.session.flush()
    record(
        actor,
        "strategy_target.create" if created else "strategy_target.update",
        target,
        f"Mått: {target.name}",
        changes,
    )
    return target


def load_demo_strategy() -> StrategyGoal | None:
    """Load Lerum's programme for the demo (does nothing when it is already there)."""
    return load_programme(None, read_programme())
