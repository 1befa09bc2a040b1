"""The case access policy: who may see a case, and who may work on it.

Every official, coordinator and manager reaches the case *register*: the case list with number,
subject, company, status, category, department and lead (what a public diary, diariet, shows).
The case itself is more than that: the business owner's messages and contact details, internal
notes, attachments and the contributions of other departments. The rules:

may_view_case(user, case): the whole case page, read-only.
    1. Coordinators and managers see every case: they distribute and follow up the work.
    2. The case lead.
    3. An official asked for a contribution (delsvar) on the case, whatever its state.
    4. Members of the case's departments: the responsible department and every department a
       contribution was asked of.
    5. Any official while the case is not yet distributed (no lead and no responsible
       department): new cases are the team's shared intake.
    Anyone else gets the register summary of the case and the name of its lead, nothing more
    (no messages, notes, attachments, contact person or contributions).

may_work_on_case(user, case): reply to the company, write internal notes, change the status,
edit the case, link the company. Coordinators; the lead; officials of the responsible
department; any official while the case is not yet distributed. A contributor (rule 3) and the
members of contributing departments (rule 4) only read the case: a contributor writes their part
on the contribution's own page. Managers only read, as before.

may_create_case(user): register a case (the official's form at /arenden/ny) or turn a visit
follow-up into one. Officials and coordinators: the people who then work on cases. Managers and
admins do not create cases anywhere.

The team's own actions (lotsen.team.contributions, lotsen.team.handover and the other write
modules of the team, with the checks in lotsen.team.rules): only the lead asks for contributions
and sends the coordinated answer; the lead or a coordinator hands the case over to another
department.
"""

from lotsen.accounts.models import Role
from lotsen.cases.signals import answers, cases_involving

CASE_CREATOR_ROLES = (Role.OFFICIAL, Role.COORDINATOR)
LEAD_ROLES = (Role.OFFICIAL, Role.COORDINATOR)
# Who reaches the case register (the list and the summaries) and who works on cases at all; the
# rules below then decide per case. The UI's views and the API check the same tuples.
CASE_READER_ROLES = (Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER)
CASE_WORKER_ROLES = (Role.OFFICIAL, Role.COORDINATOR)


def may_lead(user) -> bool:
    """Whether `user` may be a case's lead: an active official or coordinator."""
    return user is not None and user.active and user.has_role(*LEAD_ROLES)


def may_create_case(user) -> bool:
    """Whether `user` may open a case on a company's behalf (see the module docstring)."""
    return user is not None and user.is_authenticated and user.has_role(*CASE_CREATOR_ROLES)


def is_undistributed(case) -> bool:
    return case.lead_id is None and case.department_id is None


def department_ids(user) -> set[int]:
    return {department.id for department in user.departments}


def involved_case_ids(user, case_ids) -> set[int]:
    """The ids among `case_ids` that involve `user` through other domains' work (the team's
    contributions, asked of them or of their department): the cases_involving signal."""
    case_ids = list(case_ids)
    if not case_ids:
        return set()
    involved: set[int] = set()
    for ids in answers(cases_involving, user, case_ids=case_ids):
        involved.update(ids)
    return involved


def is_contributor_or_contributing_department(user, case) -> bool:
    """Whether `user` was asked for a contribution on `case`, or is in a department that was."""
    return case.id in involved_case_ids(user, [case.id])


def may_view_case(user, case) -> bool:
    """Whether `user` may read the whole case (see the module docstring for the policy)."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_role(Role.COORDINATOR, Role.MANAGER):
        return True
    if not user.has_role(Role.OFFICIAL):
        return False
    if case.lead_id == user.id or is_undistributed(case):
        return True
    if case.department_id is not None and case.department_id in department_ids(user):
        return True
    return is_contributor_or_contributing_department(user, case)


def may_work_on_case(user, case) -> bool:
    """Whether `user` may reply, note, change status and edit (see the module docstring)."""
    if user is None or not user.is_authenticated:
        return False
    if user.has_role(Role.COORDINATOR):
        return True
    if not user.has_role(Role.OFFICIAL):
        return False
    if case.lead_id == user.id or is_undistributed(case):
        return True
    return case.department_id is not None and case.department_id in department_ids(user)


def viewable_case_ids(user, cases) -> set[int]:
    """The ids among `cases` that `user` may view, in at most one query (for lists)."""
    cases = list(cases)
    if user is None or not user.is_authenticated:
        return set()
    if user.has_role(Role.COORDINATOR, Role.MANAGER):
        return {case.id for case in cases}
    if not user.has_role(Role.OFFICIAL):
        return set()
    departments = department_ids(user)
    visible = {
        case.id
        for case in cases
        if case.lead_id == user.id or is_undistributed(case) or case.department_id in departments
    }
    rest = [case.id for case in cases if case.id not in visible]
    return visible | involved_case_ids(user, rest)
