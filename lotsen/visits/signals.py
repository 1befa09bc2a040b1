"""What happens to company visits, told to the domains above that react to it (blinker).

visit_recorded(visit, actor)
    A new company visit was saved (planned or already made); sent once the visit has its id.
    Webhooks tell integrations.
"""

from lotsen.cases.signals import OrderedNamespace

signals = OrderedNamespace()

visit_recorded = signals.signal("visit-recorded")
