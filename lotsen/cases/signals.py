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
case_assigned(case, lead, previous, actor, reason, mail)
    The case got a new lead (`previous` is the lead it had, or None). Notifications tell the
    new lead (in-app, and by e-mail when `mail`) and the previous one (in-app).
case_closed(case)
    The case moved to "closed". The survey invites the business owner.

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

from blinker import Namespace

signals = Namespace()

case_opened = signals.signal("case-opened")
case_assigned = signals.signal("case-assigned")
case_closed = signals.signal("case-closed")
cases_involving = signals.signal("cases-involving")
case_list_shown = signals.signal("case-list-shown")
case_routing = signals.signal("case-routing")


def answers(signal, sender, **kwargs) -> list:
    """What every receiver of a question signal returned, in the order they were connected."""
    return [answer for _receiver, answer in signal.send(sender, **kwargs)]
