"""The suggested lead weighs competence, workload and absence."""

from datetime import date, timedelta

from sqlalchemy import delete, select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseStatus
from lotsen.cases.workflow import change_status
from lotsen.extensions import db
from lotsen.timekeeping.calendar import local_today
from lotsen.triage import assignment, availability, queries, suggestions
from lotsen.triage.models import Absence
from tests.factories import CategoryFactory, DepartmentFactory
from tests.triage.helpers import away, new_case, official, routed


def suggested(case):
    suggestion = suggestions.suggest_lead(case)
    return suggestion.official.user if suggestion else None


def give_cases(user, category, count):
    for _ in range(count):
        case = new_case(category)
        assignment.assign_case(case, user, None)
    db.session.commit()


def test_whoever_handles_the_category_is_suggested_before_the_department(app):
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    department_member = official(bygg, name="Anna Alm")
    specialist = official(name="Bo Berg", categories=[category])
    case = new_case(category)
    assert suggested(case) == specialist
    rule = queries.rules_for([category.id])[category.id]
    [first, second] = suggestions.rank(suggestions.officials(), case, rule)
    assert (first.handles_category, first.in_department) == (True, False)
    assert (second.official.user, second.in_department) == (department_member, True)


def test_without_anyone_handling_the_category_the_department_is_suggested(app):
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    member = official(bygg)
    official(DepartmentFactory())  # another department, no competence for this category
    assert suggested(new_case(category)) == member


def test_officials_without_competence_are_never_suggested(app):
    category, _dept = routed()
    official(DepartmentFactory())
    official(DepartmentFactory(), roles=[Role.COORDINATOR])
    assert suggested(new_case(category)) is None


def test_the_lighter_load_wins_between_equally_competent_officials(app):
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    busy = official(bygg, name="Anna Alm")
    free = official(bygg, name="Örjan Ö")
    give_cases(busy, CategoryFactory(), 2)
    assert suggested(new_case(category)) == free
    give_cases(free, CategoryFactory(), 3)
    assert suggested(new_case(category)) == busy


def test_closed_cases_do_not_count_as_load(app):
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    first = official(bygg, name="Anna Alm")
    second = official(bygg, name="Bertil Berg")
    give_cases(first, CategoryFactory(), 2)
    for case in db.session.scalars(select(Case).where(Case.lead_id == first.id)):
        change_status(case, CaseStatus.ANSWERED, first)
    db.session.commit()
    assert queries.workloads([first.id, second.id]) == {first.id: 0, second.id: 0}
    assert suggested(new_case(category)) == first  # tie on load: by name


def test_open_contributions_count_as_load(app):
    from lotsen.team.models import CaseContribution

    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    asked = official(bygg, name="Anna Alm")
    other = official(bygg, name="Bertil Berg")
    elsewhere = new_case(CategoryFactory())
    for state in ("requested", "requested", "done"):
        db.session.add(
            CaseContribution(
                case_id=elsewhere.id,
                contributor_id=asked.id,
                question="Behövs ett tillstånd för fettavskiljare?",
                due_on=date.today() + timedelta(days=5),
                state=state,
            )
        )
    db.session.commit()
    assert queries.workloads([asked.id, other.id]) == {asked.id: 2, other.id: 0}
    assert suggested(new_case(category)) == other


def test_a_specialist_with_much_more_work_loses_to_a_free_department_member(app):
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    specialist = official(name="Anna Alm", categories=[category])
    member = official(bygg, name="Bertil Berg")
    margin = suggestions.CATEGORY_POINTS - suggestions.DEPARTMENT_POINTS  # 10 open items
    give_cases(specialist, CategoryFactory(), margin - 1)
    assert suggested(new_case(category)) == specialist
    give_cases(specialist, CategoryFactory(), 1)  # equal points: the lighter load wins
    assert suggested(new_case(category)) == member


def test_absent_officials_are_never_suggested(app):
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    best = official(bygg, name="Anna Alm", categories=[category])
    backup = official(bygg, name="Bertil Berg")
    away(best)
    assert suggested(new_case(category)) == backup
    away(backup)
    assert suggested(new_case(category)) is None


def test_an_absence_that_is_over_or_not_yet_begun_does_not_count(app):
    bygg = DepartmentFactory()
    category, _dept = routed(department=bygg)
    anna = official(bygg)
    today = local_today()
    availability.add_absence(None, anna, today + timedelta(days=2), today + timedelta(days=9))
    db.session.commit()
    assert suggested(new_case(category)) == anna
    assert queries.is_absent(anna, today + timedelta(days=2))
    assert not queries.is_absent(anna, today + timedelta(days=10))


def test_the_default_lead_gets_a_bonus_among_equals(app):
    bygg = DepartmentFactory()
    anna = official(bygg, name="Anna Alm")
    bertil = official(bygg, name="Bertil Berg")
    category, _dept = routed(department=bygg, lead=bertil)
    away(bertil)  # the case is not given to him at creation …
    case = new_case(category)
    assert case.lead_id is None
    db.session.execute(delete(Absence))  # … he is back
    db.session.commit()
    assert suggested(case) == bertil
    assert anna  # the alphabetically first colleague loses on the bonus
