"""What happens to a case, told to the domains above that react to it.

The case domain is in the core layer: it must not import triage, team, survey or notifications,
which build on it. So it *sends* a named signal (blinker, which Flask ships) and those domains
connect their receivers once, at app start (`register_receivers()` in each of them, called by
lotsen.create_app). A receiver runs inside the sender's transaction: it adds rows (an event, an
outbox mail, a notification) and flushes at most; the request commits once.

Signals (the sender is the case, or the user for the two questions at the end):

case_opened(case, lead, actor, routing)
    A case was just created with its first message. Triage routes it (department, lead);
    `routing` is triage's answer to case_routing, handed back so that it is not read twice.
case_assigned(case, lead, previous, actor, reason, mail, how)
    The case got a new lead (`previous` is the lead it had, or None; `how`: "manual", "bulk",
    "chosen", "default_lead", "round_robin", "least_loaded" …). Notifications tell the new lead
    (in-app, and by e-mail when `mail`) and the previous one (in-app).
case_closed(case)
    The case moved to "closed". The survey invites the business owner.
case_status_changed(case, from_status, to_status, actor)
    Any move of the state machine (lotsen.cases.workflow.change_status), closing and reopening
    included; sent after the status event is added. Webhooks tell integrations.
case_answered(case, message, actor, coordinated)
    An official's public reply to the business owner was recorded (and queued as e-mail when
    the case has an address); `coordinated` for the team's coordinated answer (samlat svar).
    Sent after the reply's status change, if any. Webhooks tell integrations.
case_lead_taken(case, lead)
    An official moved an unled case out of triage and so became its lead (no case_assigned:
    nobody needs telling). Webhooks tell integrations of the new lead.

Two signals are questions: the sender reads what the receivers return.

cases_involving(user, case_ids)
    Which of `case_ids` involve `user` beyond lead and department (the team: a contribution
    asked of them or of their department)? Each receiver returns a set of case ids. Used by the
    access policy (lotsen.cases.access).
case_routing(category_id)
    Where a new case of this category goes, asked before the case row is written so that the
    INSERT already carries the department (no UPDATE of the row just inserted). Triage answers
    with its routing (`.category`, the category row or None, and `.department_id`); without an
    answer the case reads its category itself and waits unrouted.
case_list_shown(user)
    What else the case list shows `user` (triage: saved filters, view counts, the bulk form).
    Each receiver returns a dict of template variables.
"""

from blinker import NamedSignal, Namespace


class OrderedIds(dict):
    """The part of a set that blinker uses for its receivers, in the order they were added."""

    def __init__(self, items=()):
        super().__init__((item, None) for item in items)

    def add(self, item) -> None:
        self[item] = None

    def discard(self, item) -> None:
        self.pop(item, None)

    def copy(self) -> "OrderedIds":
        return OrderedIds(self)

    def __or__(self, other) -> "OrderedIds":
        return OrderedIds([*self, *other])


class OrderedSignal(NamedSignal):
    """A signal that calls its receivers in the order they were connected (blinker's own sets
    are unordered): webhooks connect first, so a new case's "created" is queued before what
    triage then does with it."""

    set_class = OrderedIds


class OrderedNamespace(Namespace):
    def signal(self, name: str, doc: str | None = None) -> NamedSignal:
        if name not in self:
            self[name] = OrderedSignal(name, doc)
        return self[name]


signals = OrderedNamespace()

case_opened = signals.signal("case-opened")
case_assigned = signals.signal("case-assigned")
case_closed = signals.signal("case-closed")
case_status_changed = signals.signal("case-status-changed")
case_answered = signals.signal("case-answered")
case_lead_taken = signals.signal("case-lead-taken")
cases_involving = signals.signal("cases-involving")
case_list_shown = signals.signal("case-list-shown")
case_routing = signals.signal("case-routing")


def answers(signal, sender, **kwargs) -> list:
    """What every receiver of a question signal returned, in the order they were connected."""
    return [answer for _receiver, answer in signal.send(sender, **kwargs)]
