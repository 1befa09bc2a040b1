import re

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases.models import Case, CaseEvent, CaseStatus, Message
from lotsen.extensions import db
from tests.cases.helpers import PDF, latest_case, mails_to, open_case_directly, status_path_in
from tests.factories import CategoryFactory


def reload(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def test_an_official_replies_the_owner_gets_mail_and_the_clock_stops(client, login):
    official = login(Role.OFFICIAL)
    case, _token = open_case_directly(CategoryFactory())
    response = client.submit(
        f"/arenden/{case.id}/svar",
        {
            "reply-body": "Hej! Ni behöver **bygglov** för skylten.",
            "reply-then_status": "waiting_for_company",
        },
        page_url=f"/arenden/{case.id}",
    )
    assert response.status_code == 302
    case = reload(case)
    assert case.first_response_at is not None
    assert case.status == CaseStatus.WAITING
    [_receipt, reply_mail] = mails_to("johan@akeri.example")
    assert "Ni behöver **bygglov**" in reply_mail.body_text
    assert "/status/" in reply_mail.body_text
    message = db.session.scalars(select(Message).where(Message.author_id == official.id)).one()
    assert not message.is_internal
    page = client.get(status_path_in(reply_mail.body_text)).get_data(as_text=True)
    assert "<strong>bygglov</strong>" in page


def test_internal_notes_do_not_mail_the_owner_or_count_as_a_reply(client, login):
    login(Role.OFFICIAL)
    case, _token = open_case_directly(CategoryFactory())
    client.submit(
        f"/arenden/{case.id}/anteckning",
        {"note-body": "Ring miljö om köksventilationen."},
        page_url=f"/arenden/{case.id}",
    )
    case = reload(case)
    assert case.first_response_at is None
    assert len(mails_to("johan@akeri.example")) == 1  # only the receipt
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Ring miljö om köksventilationen." in page and "Intern anteckning" in page


def test_an_empty_reply_keeps_the_form_and_explains(client, login):
    login(Role.OFFICIAL)
    case, _token = open_case_directly(CategoryFactory())
    response = client.submit(
        f"/arenden/{case.id}/svar", {"reply-body": ""}, page_url=f"/arenden/{case.id}"
    )
    assert response.status_code == 400
    assert "Skriv ett svar." in response.get_data(as_text=True)


def test_message_bodies_cannot_carry_scripts(app, client, login):
    login(Role.OFFICIAL)
    case, token = open_case_directly(
        CategoryFactory(), description='<script>alert("x")</script><img src=x onerror=alert(1)>'
    )
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page
    status_page = client.get(f"/status/{token}").get_data(as_text=True)
    assert "<script>alert" not in status_page and "onerror" not in status_page


def test_status_changes_follow_the_rules(client, login):
    login(Role.COORDINATOR)
    case, _token = open_case_directly(CategoryFactory())
    bad = client.submit(
        f"/arenden/{case.id}/status", {"status-status": "closed"}, page_url=f"/arenden/{case.id}"
    )
    assert bad.status_code == 400
    assert "kan inte få status Avslutad" in bad.get_data(as_text=True)
    good = client.submit(
        f"/arenden/{case.id}/status",
        {"status-status": "in_progress"},
        page_url=f"/arenden/{case.id}",
    )
    assert good.status_code == 302 and reload(case).status == CaseStatus.IN_PROGRESS
    timeline = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "ändrade status från Ny till Pågår" in timeline


def test_two_officials_editing_at_once_cannot_overwrite_each_other(app, client, login):
    login(Role.OFFICIAL)
    case, _token = open_case_directly(CategoryFactory())
    form_page = client.get(f"/arenden/{case.id}/redigera").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form_page).group(1)

    other = app.test_client()
    from tests.factories import TEST_PASSWORD, UserFactory

    colleague = UserFactory(roles=[Role.OFFICIAL])
    other.submit("/konto/logga-in", {"email": colleague.email, "password": TEST_PASSWORD})
    base = {
        "category": str(case.category_id),
        "channel": "web",
        "submitter_name": "Johan Ek",
        "submitter_email": "johan@akeri.example",
        "preferred_contact": "email",
        "company_name": "Eks Åkeri AB",
        "version": version,
    }
    first = other.submit(
        f"/arenden/{case.id}/redigera", {**base, "subject": "Uppställning av lastbilar"}
    )
    assert first.status_code == 302
    second = client.submit(
        f"/arenden/{case.id}/redigera", {**base, "subject": "Nattparkering vid Aspedalen"}
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "Någon annan har ändrat ärendet" in page
    assert 'value="Nattparkering vid Aspedalen"' in page  # the second official keeps their text
    assert reload(case).subject == "Uppställning av lastbilar"
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "edited")).one()
    assert event.details["subject"] == ["Parkering för lastbilar", "Uppställning av lastbilar"]


def test_registering_a_phone_case_without_email(client, login):
    login(Role.OFFICIAL)
    category = CategoryFactory()
    response = client.submit(
        "/arenden/ny",
        {
            "channel": "phone",
            "org_number": "",
            "company_name": "Anderssons Bygg",
            "submitter_name": "Per Andersson",
            "submitter_email": "",
            "submitter_phone": "0302-123 45",
            "preferred_contact": "phone",
            "category": str(category.id),
            "subject": "Rivningslov för lada",
            "description": "Ringde och frågade om rivningslov.",
        },
    )
    assert response.status_code == 302
    case = latest_case()
    assert case.channel == "phone" and case.submitter_email is None
    assert case.created_by_id is not None


def test_case_list_searches_and_filters(client, login):
    login(Role.OFFICIAL)
    food = CategoryFactory(name="Livsmedel och servering")
    build = CategoryFactory(name="Bygglov och lokaler")
    cafe, _ = open_case_directly(
        food, subject="Café med uteservering", company_name="Café Solrosen AB"
    )
    open_case_directly(build, subject="Ny skylt på fasaden", company_name="Lerums Glas AB")
    open_case_directly(build, subject="Rivningslov", submitter_email="per@bygg.example")

    def listed(query):
        page = client.get(f"/arenden/?{query}").get_data(as_text=True)
        return re.findall(r'<td><a href="/arenden/\d+">(LOTS-[\d-]+)</a>', page)

    assert len(listed("")) == 3
    assert listed("q=solrosen") == [cafe.number]
    assert listed(f"q={cafe.number}") == [cafe.number]
    assert len(listed(f"category={build.id}")) == 2
    assert len(listed("q=per@bygg.example")) == 1
    assert listed("status=closed") == []
    assert len(listed("received_from=2000-01-01&received_to=2999-12-31")) == 3
    assert client.get("/arenden/?received_from=igår&after=%%%").status_code == 200


def test_case_list_pages_with_a_keyset(app, client, login):
    app.config["PAGE_SIZE"] = 2
    login(Role.OFFICIAL)
    category = CategoryFactory()
    numbers = [open_case_directly(category)[0].number for _ in range(5)]
    seen, url = [], "/arenden/?sort=received_asc"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += re.findall(r'<td><a href="/arenden/\d+">(LOTS-[\d-]+)</a>', page)
        next_link = re.search(r'href="([^"]+)" rel="next"', page)
        url = next_link.group(1).replace("&amp;", "&") if next_link else None
    assert seen == numbers


def test_managers_read_cases_but_cannot_write(client, login):
    login(Role.MANAGER)
    case, _token = open_case_directly(CategoryFactory())
    assert client.get(f"/arenden/{case.id}").status_code == 200
    response = client.submit(
        f"/arenden/{case.id}/anteckning", {"note-body": "x"}, page_url=f"/arenden/{case.id}"
    )
    assert response.status_code == 403


def test_attachments_from_the_owner_are_downloadable_by_officials(client, login):
    from tests.cases.helpers import submit_question

    category = CategoryFactory()
    submit_question(client, category, files=[("plan.pdf", PDF)])
    case = latest_case()
    login(Role.OFFICIAL)
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    link = re.search(r'href="(/arenden/\d+/bilaga/\d+)">plan.pdf', page).group(1)
    response = client.get(link)
    assert response.data == PDF
    response.close()


def test_a_case_with_an_unknown_org_number_can_add_the_company(client, login):
    login(Role.OFFICIAL)
    case, _token = open_case_directly(
        CategoryFactory(), org_number="5560125790", company_name="Solrosens Café AB"
    )
    assert case.company_id is None
    page = client.get(f"/arenden/{case.id}").get_data(as_text=True)
    assert "Finns inte i registret" in page
    client.submit(f"/arenden/{case.id}/skapa-foretag", {}, page_url=f"/arenden/{case.id}")
    case = reload(case)
    assert case.company is not None and case.company.name == "Solrosens Café AB"
    assert case.company.org_number == "5560125790"
    later, _ = open_case_directly(CategoryFactory(), org_number="5560125790")
    assert later.company_id == case.company_id  # the next question is linked at once
