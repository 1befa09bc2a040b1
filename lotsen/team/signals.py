"""What happens in the team's work, told to the domains above that react to it (blinker).

contribution_done(contribution, case, actor)
    A contributor marked their contribution (delsvar) done, with its answer; sent after the
    case event is added. Webhooks tell integrations.
"""

from lotsen.cases.signals import OrderedNamespace

signals = OrderedNamespace()

contribution_done = signals.signal("contribution-done")
