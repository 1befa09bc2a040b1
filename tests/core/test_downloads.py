"""Every download (attachments, CSV, XLSX, PDF, .ics) is sent with Cache-Control: no-store, so
no browser cache or proxy keeps a copy of case data."""

import re
from datetime import date, time

from sqlalchemy import select

from lotsen.accounts.models import Role
from lotsen.cases.models import Attachment
from lotsen.companies.models import ImportRun
from lotsen.extensions import db
from lotsen.inbound.models import InboundOutcome
from lotsen.reports.exports import EXPORTS as REPORT_EXPORTS
from lotsen.strategy.exports import EXPORTS as STRATEGY_EXPORTS
from lotsen.team.models import Meeting
from tests.cases.helpers import PDF, mails_to, status_path_in, submit_question
from tests.factories import CategoryFactory
from tests.inbound.records import inbound_record

# A route whose URL names a file type, an export format or an attachment is a download.
DOWNLOAD_RULE = re.compile(r"\.(csv|xlsx|pdf|ics|eml)\b|<fmt>|<any\(|/bilaga/")


def download_urls(client, tmp_path) -> dict[str, list[str]]:
    """One URL per download route and format, with the data each needs."""
    submit_question(client, CategoryFactory(), files=[("ritning.pdf", PDF)])
    attachment = db.session.scalars(select(Attachment)).one()
    status_path = status_path_in(mails_to("lina@solrosen.example")[0].body_text)
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("rad;fel\n1;kontrollsiffran\n", encoding="utf-8")
    run = ImportRun(
        file_name="scb.txt",
        stored_path=str(tmp_path / "scb.txt"),
        format="scb",
        reject_path=str(rejects),
    )
    meeting = Meeting(
        title="Lotsmöte", on_date=date(2026, 12, 10), start_time=time(14), end_time=time(15)
    )
    db.session.add_all([run, meeting])
    db.session.commit()
    mail = inbound_record(
        1, InboundOutcome.REPLY, case_id=attachment.case_id, case_message_id=attachment.message_id
    )
    source = f"/arenden/{attachment.case_id}/meddelanden/{attachment.message_id}/original.eml"
    formats = ("csv", "xlsx")
    return {
        "inbound.message_source": [source],
        "admin.inbound_mail_source": [f"/admin/inkommande-e-post/{mail.id}/original.eml"],
        "cases.attachment": [f"/arenden/{attachment.case_id}/bilaga/{attachment.id}"],
        "public.status_attachment": [f"{status_path}/bilaga/{attachment.id}"],
        "companies.export": [f"/foretag/export.{fmt}" for fmt in formats],
        "companies.import_rejects": [f"/foretag/import/{run.id}/avvisade-rader.csv"],
        "team.meeting_calendar": [f"/lotsmoten/{meeting.id}/kalender.ics"],
        "strategy.export": [
            f"/strategi/oversikt/export/{name}.{fmt}"
            for name in STRATEGY_EXPORTS
            for fmt in formats
        ],
        "reports.yearly_report_pdf": ["/rapporter/arsrapport.pdf?year=2025"],
        "reports.export": [
            f"/rapporter/export/{name}.{fmt}" for name in REPORT_EXPORTS for fmt in formats
        ],
    }


def test_every_download_route_is_sent_with_no_store(app, client, login, tmp_path):
    urls = download_urls(client, tmp_path)
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if DOWNLOAD_RULE.search(rule.rule)}
    assert routes == set(urls), "a download route is missing from this test"

    login(Role.ADMIN, Role.MANAGER, Role.OFFICIAL, Role.COORDINATOR)
    for url in [url for group in urls.values() for url in group]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Disposition"].startswith("attachment"), url
        assert response.headers["Cache-Control"] == "no-store", url
        response.close()


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/lotsen.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()
