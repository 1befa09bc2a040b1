"""The case signals: create_app connects each domain's receivers, and only once.

A receiver connected twice would run twice: two notices for one assignment. Every test creates
an app, so the connection must not grow with the number of apps.
"""

from lotsen import create_app
from lotsen.cases import signals
from tests.conftest import base_test_config

EXPECTED = {
    signals.case_opened: ["route_new_case"],
    signals.case_assigned: ["tell_new_lead"],
    signals.case_closed: ["invite_after_closing"],
    signals.cases_involving: ["cases_with_contribution_of"],
    signals.case_list_shown: ["case_list_extras"],
}


def receiver_names(signal) -> list[str]:
    return sorted(receiver.__name__ for receiver in signal.receivers_for(object()))


def test_create_app_connects_every_domain_to_the_case_signals(app):
    assert {signal.name: receiver_names(signal) for signal in EXPECTED} == {
        signal.name: names for signal, names in EXPECTED.items()
    }


def test_another_app_does_not_connect_a_receiver_twice(app, tmp_path):
    before = {signal.name: len(list(signal.receivers_for(object()))) for signal in EXPECTED}
    create_app(base_test_config(f"sqlite:///{tmp_path / 'other.db'}", str(tmp_path)))
    after = {signal.name: len(list(signal.receivers_for(object()))) for signal in EXPECTED}
    assert after == before == {signal.name: 1 for signal in EXPECTED}


def test_a_question_without_receivers_has_no_answers():
    lonely = signals.signals.signal("nobody-listens")
    assert signals.answers(lonely, object(), case_ids=[1]) == []
