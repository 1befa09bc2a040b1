"""The case search over everything written on a case: stems, prefixes, phrases, filters,
access, snippets, and an index that follows every change (both databases)."""

from datetime import date, time, timedelta

from flask import current_app
from sqlalchemy import event, select, text

from lotsen.accounts.models import Role
from lotsen.cases.models import CaseStatus
from lotsen.cases.services import (
    Submission,
    add_internal_note,
    open_case,
    set_status,
    update_case,
)
from lotsen.companies import services as company_services
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.search.index import reindex_all
from lotsen.search.models import CaseSearchDocument
from lotsen.search.queries import SearchFilters, search_cases
from lotsen.team import meetings as team_services
from lotsen.team.contributions import complete_contribution, request_contribution
from tests.factories import CategoryFactory, DepartmentFactory, UserFactory
from tests.search.helpers import a_case, coordinator, found, note


def test_a_word_finds_its_inflections_and_compounds(app):
    plain = a_case(subject="Bygglov för skylt")
    definite = a_case(subject="Om lokalen", question="Hur lång tid tar bygglovet?")
    compound = a_case(subject="Fasad", question="Vår bygglovsansökan är inskickad.")
    a_case(subject="Annat", question="Vi söker serveringstillstånd.")
    hits = found(coordinator(), "bygglov")
    assert sorted(hits) == sorted([plain.number, definite.number, compound.number])


def test_a_word_written_only_in_a_message_is_found(app):
    case = a_case(subject="Lokal", question="Hej, fråga om lokalen.")
    a_case(subject="Ventiler", question="Inget om saken.")
    official = coordinator()
    note(case, official, "Miljöenheten tittar på ventilationen i köket.")
    assert found(official, "ventilationen") == [case.number]
    assert found(official, "ventilation") == [case.number]


def test_every_word_must_be_present(app):
    both = a_case(subject="Uteservering", question="Vi vill ha alkoholtillstånd på terrassen.")
    a_case(subject="Uteservering", question="Bara stolar.")
    assert found(coordinator(), "uteservering alkohol") == [both.number]


def test_a_quoted_phrase_needs_its_words_in_order(app):
    in_order = a_case(subject="Tillstånd", question="Vi behöver tillfälligt serveringstillstånd.")
    a_case(subject="Tillstånd", question="Serveringstillstånd, inte tillfälligt.")
    official = coordinator()
    assert found(official, '"tillfälligt serveringstillstånd"') == [in_order.number]
    assert len(found(official, "tillfälligt serveringstillstånd")) == 2


def test_company_contact_number_and_email_are_searchable(app):
    case = a_case(subject="Skylt", company_name="Bageri Vetemjöl AB", submitter_name="Örjan Ek",
                  submitter_email="orjan@vetemjol.example")  # fmt: skip
    a_case(subject="Skylt")
    official = coordinator()
    assert found(official, "vetemjöl") == [case.number]
    assert found(official, "örjan") == [case.number]
    assert found(official, "orjan@vetemjol.example") == [case.number]
    assert found(official, case.number) == [case.number]


def test_filters_combine_with_the_words(app):
    old = a_case(subject="Markarbeten", received_at=utcnow() - timedelta(days=40))
    new = a_case(subject="Markarbeten vid torget")
    official = coordinator()
    set_status(new, official, CaseStatus.IN_PROGRESS)
    db.session.commit()
    assert found(official, "markarbeten", status="in_progress") == [new.number]
    assert found(official, "markarbeten", status="new") == [old.number]
    since = (utcnow() - timedelta(days=5)).date()
    assert found(official, "markarbeten", received_from=since) == [new.number]
    assert found(official, "markarbeten", category_id=old.category_id) == [old.number]


def test_an_official_without_access_gets_no_hit(app):
    own, other = DepartmentFactory(), DepartmentFactory()
    outsider = UserFactory(roles=[Role.OFFICIAL])
    outsider.departments = [own]
    db.session.commit()
    hidden = a_case(subject="Hemlig ombyggnad")
    hidden.department_id = other.id
    db.session.commit()
    assert found(outsider, "ombyggnad") == []
    assert found(coordinator(), "ombyggnad") == [hidden.number]
    hidden.department_id = own.id
    db.session.commit()
    assert found(outsider, "ombyggnad") == [hidden.number]


def test_an_asked_contributor_finds_the_case(app):
    elsewhere = DepartmentFactory()
    lead = UserFactory(roles=[Role.OFFICIAL])
    contributor = UserFactory(roles=[Role.OFFICIAL])
    case = a_case(subject="Dagvatten", lead=lead)
    case.department_id = elsewhere.id
    db.session.commit()
    assert found(contributor, "dagvatten") == []
    contribution = request_contribution(lead, case, contributor, "Hur hanteras dagvattnet?",
                                        utcnow().date() + timedelta(days=5))  # fmt: skip
    db.session.commit()
    assert found(contributor, "dagvatten") == [case.number]
    complete_contribution(contributor, contribution, "Fördröjningsmagasin behövs.")
    db.session.commit()
    assert found(lead, "fördröjningsmagasin") == [case.number]


def test_the_snippet_is_escaped_and_marks_the_hit(app):
    case = a_case(subject="Webbsida", question="Sidan visar <script>alert(1)</script> och skylten.")
    page = search_cases(coordinator(), SearchFilters(text="skylten"), None, 10)
    [hit] = page.hits
    assert hit.case.id == case.id
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark>skylten</mark>" in hit.snippet


def test_the_index_follows_edits(app):
    official = coordinator()
    case = a_case(subject="Parkering")
    assert found(official, "laddstolpar") == []
    update_case(case, official, {"subject": "Laddstolpar på parkeringen"}, case.version)
    db.session.commit()
    assert found(official, "laddstolpar") == [case.number]
    assert found(official, "parkering") == [case.number]


def test_a_deleted_case_leaves_the_index(app):
    case = a_case(subject="Rivning")
    db.session.delete(case)
    db.session.commit()
    assert db.session.scalar(select(CaseSearchDocument)) is None
    assert found(coordinator(), "rivning") == []


def test_sorting_by_date_and_pages(app):
    official = coordinator()
    cases = [a_case(subject=f"Skyltlov {n}") for n in range(5)]
    first = search_cases(official, SearchFilters(text="skyltlov", sort="date"), None, 2)
    assert [h.case.id for h in first.hits] == [cases[4].id, cases[3].id]
    second = search_cases(official, SearchFilters(text="skyltlov", sort="date"),
                          first.next_cursor, 2)  # fmt: skip
    assert [h.case.id for h in second.hits] == [cases[2].id, cases[1].id]
    ranked = search_cases(official, SearchFilters(text="skyltlov"), None, 3)
    rest = search_cases(official, SearchFilters(text="skyltlov"), ranked.next_cursor, 3)
    seen = [h.case.id for h in ranked.hits + rest.hits]
    assert sorted(seen) == sorted(c.id for c in cases)
    assert rest.next_cursor is None


def test_relevance_puts_the_case_about_the_word_first(app):
    official = coordinator()
    a_case(subject="Lokal", question="Kort om buller.")
    about = a_case(subject="Buller", question="Buller från fläkten, buller på natten, buller.")
    page = search_cases(official, SearchFilters(text="buller"), None, 10)
    assert page.hits[0].case.id == about.id


def test_empty_and_hostile_queries_find_nothing_and_do_not_fail(app):
    a_case(subject="Något")
    official = coordinator()
    for words in ("", "   ", '"', "AND OR NOT", "*", "'); DROP TABLE cases; --", "x" * 5000,
                 "NEAR(a b)", "^a", "a:*", "!&|"):  # fmt: skip
        assert isinstance(found(official, words), list)


def test_a_meeting_outcome_is_searchable(app):
    official = coordinator()
    case = a_case(subject="Etablering")
    with current_app.test_request_context():
        meeting = team_services.create_team_meeting(
            official, "Lotsmöte",
            team_services.MeetingTimes(date(2030, 3, 7), time(9), time(10), place="Kommunhuset"),
        )  # fmt: skip
        item = team_services.add_to_agenda(official, case, meeting)
        db.session.commit()
        team_services.record_outcome(official, item, "Detaljplanen ändras först.", "", None)
        db.session.commit()
    assert found(official, "detaljplanen") == [case.number]


def test_a_company_contact_added_later_is_searchable(app):
    official = coordinator()
    company = company_services.create_company(
        official, company_services.CompanyData(org_number="5560125790", name="Sjöbergs Måleri AB")
    )
    db.session.commit()
    case = a_case(subject="Fasad", org_number="5560125790", company_name="Sjöbergs Måleri AB")
    assert case.company_id == company.id
    assert found(official, "gunnel") == []
    company_services.add_contact(
        official, company, company_services.ContactData(name="Gunnel Sjöberg", data_basis="Avtal")
    )
    db.session.commit()
    assert found(official, "gunnel") == [case.number]
    assert found(official, "5560125790") == [case.number]


def stored_document(case_id: int):
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(
            text(
                "SELECT case_search_fts_vector::text FROM case_search_documents WHERE case_id = :c"
            ),
            {"c": case_id},
        )
    return db.session.scalar(
        select(CaseSearchDocument.terms).where(CaseSearchDocument.case_id == case_id)
    )


def test_a_new_case_is_indexed_as_a_full_rebuild_would_index_it(app):
    official = coordinator()
    case = a_case(subject="Nytt café", question="Vi öppnar ett café med uteservering.")
    add_internal_note(case, official, "Ring livsmedelsenheten om ventilationen.")
    db.session.commit()
    fresh = stored_document(case.id)
    assert "ventil" in fresh and "uteserv" in fresh
    reindex_all(db.session)
    db.session.commit()
    assert stored_document(case.id) == fresh


def test_indexing_a_new_case_reads_nothing_back(app):
    category = CategoryFactory()
    db.session.commit()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    case, _token = open_case(
        Submission(submitter_name="Lina Berg", subject="Skylt", description="Får vi sätta upp "
                   "en skylt?", category_id=category.id, submitter_email="lina@example.se",
                   company_name="Café Solrosen AB")
    )  # fmt: skip
    db.session.flush()
    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    search_statements = [s for s in statements if "case_search" in s]
    assert len(search_statements) == 1 and search_statements[0].lstrip().startswith("INSERT")
    assert not [s for s in statements if "FROM case_messages" in s]
    assert found(coordinator(), "skylt") == [case.number]


def test_a_case_undone_by_a_rolled_back_savepoint_leaves_no_document_behind(app):
    # The inbound mail worker opens a case inside a savepoint and rolls it back when the mail
    # turns out to be unusable; the commit that follows must not index the vanished case.
    category = CategoryFactory()
    db.session.commit()
    nested = db.session.begin_nested()
    submission = Submission(
        submitter_name="Lina Berg",
        subject="Fråga om solcellsanläggning",
        description="Får vi sätta upp en solcellsanläggning på taket?",
        category_id=category.id,
        submitter_email="lina@solrosen.example",
    )
    open_case(submission)
    db.session.flush()
    nested.rollback()
    kept = a_case(subject="Fråga om skylt", question="Får vi sätta upp en skylt?")

    assert db.session.scalars(select(CaseSearchDocument.case_id)).all() == [kept.id]
    assert found(coordinator(), "solcellsanläggning") == []
