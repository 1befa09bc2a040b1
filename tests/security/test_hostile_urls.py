"""Hostile URLs and query strings answer 400/404 or are ignored, never 500 (issue 13: 14, 21).

The tests walk the URL map, so a route added later is covered without being listed here.
"""

import pytest
from werkzeug.routing import IntegerConverter

from lotsen.accounts.models import Role

HUGE_IDS = [2**31, 2**63, 10**22 + 7]  # past int4, past int8, 23 digits
EVERY_ROLE = [Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER, Role.ADMIN]


def int_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def url_with_ids(rule, number: int) -> str:
    values = {}
    for argument, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[argument] = number
        elif type(converter).__name__ == "AnyConverter":
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = "x"
    # Built by hand: a bounded converter (rightly) refuses to build a URL with such an id.
    parts = [str(values[data]) if dynamic else data for dynamic, data in rule._trace]
    return "".join(parts).split("|", 1)[1]


def test_every_route_with_an_integer_argument_is_covered(app):
    assert len(int_rules(app)) > 50


@pytest.mark.parametrize("number", HUGE_IDS)
def test_huge_ids_in_any_url_answer_404(app, client, login, number):
    login(*EVERY_ROLE)
    token = client.csrf_token("/")
    failures = []
    for rule in int_rules(app):
        url = url_with_ids(rule, number)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            if response.status_code != 404:
                failures.append((method, url, response.status_code))
    assert failures == []


def test_huge_ids_in_a_status_link_attachment_url_answer_404(app, client):
    for number in HUGE_IDS:
        assert client.get(f"/status/{'a' * 43}/bilaga/{number}").status_code == 404
