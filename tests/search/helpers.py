"""Cases with words in them, for the search tests."""

from lotsen.accounts.models import Role
from lotsen.cases.models import CaseStatus
from lotsen.cases.services import Submission, add_internal_note, open_case, post_public_reply
from lotsen.extensions import db
from lotsen.search.queries import SearchFilters, search_cases
from tests.factories import CategoryFactory, UserFactory


def a_case(subject="Fråga om lokal", question="Vi undrar över lokalen.", category=None, **kw):
    submission = Submission(
        submitter_name=kw.pop("submitter_name", "Lina Berg"),
        subject=subject,
        description=question,
        category_id=(category or CategoryFactory()).id,
        submitter_email=kw.pop("submitter_email", "lina@solrosen.example"),
        company_name=kw.pop("company_name", "Café Solrosen AB"),
        org_number=kw.pop("org_number", None),
    )
    case, _token = open_case(submission, **kw)
    db.session.commit()
    return case


def coordinator():
    return UserFactory(roles=[Role.COORDINATOR])


def found(user, text, **filters) -> list[str]:
    """The case numbers a search shows `user`, in order."""
    page = search_cases(user, SearchFilters(text=text, **filters), None, 50)
    return [hit.case.number for hit in page.hits]


def answered(case, official, answer: str):
    post_public_reply(case, official, answer, then_status=CaseStatus.ANSWERED)
    db.session.commit()


def note(case, official, body: str):
    add_internal_note(case, official, body)
    db.session.commit()
