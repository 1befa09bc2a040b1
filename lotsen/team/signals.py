"""What happens in the team's work, told to the domains above that react to it (blinker).

contribution_done(contribution, case, actor)
    A contributor marked their contribution (delsvar) done, with its answer; sent after the
    case event is added. Webhooks tell integrations.
case_handed_over(case, actor, previous_lead_id, previous_department_id)
    The case was handed to another department and maybe a new lead (or none); sent after the
    handover is recorded. Webhooks tell integrations (as an assignment).
"""

from lotsen.cases.signals import OrderedNamespace

signals = OrderedNamespace()

contribution_done = signals.signal("contribution-done")
case_handed_over = signals.signal("case-handed-over")
