"""The domains' signals: create_app connects each domain's receivers, once, in order.

A receiver connected twice would run twice: two notices for one assignment. Every test creates
an app, so the connection must not grow with the number of apps. Receivers run in the order
they were connected (webhooks first: a new case's "created" event before triage's assignment).
"""

from lotsen import create_app
from lotsen.cases import signals
from lotsen.survey.signals import survey_answered
from lotsen.team.signals import case_handed_over, contribution_done
from lotsen.visits.signals import visit_recorded
from tests.conftest import base_test_config

# Each signal's receivers, in the order they are called.
EXPECTED = {
    signals.case_opened: ["case_created", "route_new_case"],
    signals.case_assigned: ["case_assigned_to_lead", "tell_new_lead"],
    signals.case_closed: ["closed", "invite_after_closing"],
    signals.case_status_changed: ["status_changed"],
    signals.case_answered: ["answered"],
    signals.case_lead_taken: ["case_lead_self_taken"],
    signals.cases_involving: ["cases_with_contribution_of"],
    signals.case_list_shown: ["case_list_extras"],
    contribution_done: ["contribution_finished"],
    case_handed_over: ["handed_over"],
    visit_recorded: ["visit_saved"],
    survey_answered: ["survey_response"],
}


def receiver_names(signal) -> list[str]:
    return [receiver.__name__ for receiver in signal.receivers_for(object())]


def test_create_app_connects_every_domain_to_the_case_signals(app):
    assert {signal.name: receiver_names(signal) for signal in EXPECTED} == {
        signal.name: names for signal, names in EXPECTED.items()
    }


def test_another_app_does_not_connect_a_receiver_twice(app, tmp_path):
    before = {signal.name: len(list(signal.receivers_for(object()))) for signal in EXPECTED}
    create_app(base_test_config(f"sqlite:///{tmp_path / 'other.db'}", str(tmp_path)))
    after = {signal.name: len(list(signal.receivers_for(object()))) for signal in EXPECTED}
    assert after == before == {signal.name: len(names) for signal, names in EXPECTED.items()}


def test_a_question_without_receivers_has_no_answers():
    lonely = signals.signals.signal("nobody-listens")
    assert signals.answers(lonely, object(), case_ids=[1]) == []


def test_receivers_are_called_in_the_order_they_were_connected():
    ordered = signals.OrderedNamespace().signal("in-order")
    calls = []

    def make(n):
        def receiver(sender, **_kwargs):
            calls.append(n)
            return n

        return receiver

    receivers = [make(n) for n in (5, 1, 4, 2, 3)]
    for receiver in receivers:
        ordered.connect(receiver)
    ordered.connect(receivers[1])  # again: still once, in its first place
    assert signals.answers(ordered, object()) == [5, 1, 4, 2, 3]
    ordered.disconnect(receivers[2])
    calls.clear()
    ordered.send(object())
    assert calls == [5, 1, 2, 3]
