"""Realistic e-mail as mail programs send it, built as bytes for IMAP APPEND."""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

TEAM = "lotsgruppen@kommun.example"
PDF_HEAD = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def reply_address(token: str) -> str:
    return f"lotsgruppen+{token}@kommun.example"


def plain(
    sender="Lina Berg <lina@solrosen.example>",
    to=TEAM,
    subject="Fråga om uteservering",
    body="Hej!\n\nVi vill öppna en uteservering i sommar. Vad behöver vi söka?\n\nLina",
    message_id=None,
    in_reply_to=None,
    references=None,
    headers=None,
    attachments=(),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="solrosen.example")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, maintype, subtype, data in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)


def reply_text(answer: str) -> str:
    """An answer above the quoted mail it answers, as mail programs write it."""
    return (
        f"{answer}\n\nMvh Lina\n\n"
        "Den 3 dec. 2026 kl. 10:12 skrev Lotsgruppen <lotsgruppen@kommun.example>:\n"
        "> Hej Lina!\n> Vilken adress gäller det?\n"
    )


def outlook_html_only(sender="Per Holm <per@holmbygg.example>", to=TEAM) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Bygglov för förråd"
    msg["Message-ID"] = make_msgid(domain="holmbygg.example")
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    msg["Thread-Index"] = "AdnFGhJk1234"
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "<style>p.MsoNormal{margin:0cm;}</style><script>alert(1)</script></head>"
        '<body lang="SV"><div class="WordSection1">'
        '<p class="MsoNormal">Hej,<o:p></o:p></p>'
        '<p class="MsoNormal">Behöver vi bygglov för ett förråd på 14 m²?<o:p></o:p></p>'
        '<p class="MsoNormal">Med vänlig hälsning<br>Per Holm<br>Holm Bygg AB</p>'
        "</div></body></html>"
    )
    msg.set_content(html, subtype="html")
    return msg.as_bytes(policy=SMTP)


def latin1(sender="=?iso-8859-1?q?=C5sa_=D6berg?= <asa@smedjan.example>") -> bytes:
    body = "Hej!\n\nVår smedja i Älvängen behöver ett tillstånd för öppen låga. Går det?\n\nÅsa"
    subject = "=?iso-8859-1?q?Tillst=E5nd_f=F6r_smedjan?="
    return (
        f"From: {sender}\r\nTo: {TEAM}\r\nSubject: {subject}\r\n"
        f"Message-ID: {make_msgid(domain='smedjan.example')}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + body.replace("\n", "\r\n").encode("iso-8859-1")


def with_pdf_and_inline_image(pdf_size: int, sender="Lina Berg <lina@solrosen.example>", to=TEAM):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = "Ritningen"
    msg["Message-ID"] = make_msgid(domain="solrosen.example")
    msg.set_content("Här är ritningen.\n\nLina")
    msg.add_alternative(
        '<p>Här är ritningen.</p><p><img src="cid:logo@solrosen"></p><p>Lina</p>',
        subtype="html",
    )
    msg.get_payload()[1].add_related(
        PNG, maintype="image", subtype="png", cid="<logo@solrosen>", filename="logo.png"
    )
    pdf = PDF_HEAD + b"0" * (pdf_size - len(PDF_HEAD) - 6) + b"\n%%EOF"
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="ritning.pdf")
    return msg.as_bytes(policy=SMTP)


def out_of_office(to=TEAM, in_reply_to=None, sender="Lina Berg <lina@solrosen.example>"):
    return plain(
        sender=sender,
        to=to,
        subject="Automatiskt svar: Svar på ditt ärende",
        body="Jag är på semester till och med 10 augusti.",
        in_reply_to=in_reply_to,
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )


def delivery_failure(failed: str, original_message_id: str) -> bytes:
    boundary = "dsn-boundary-1"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@kommun.example>\r\n"
        f"To: {TEAM}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='kommun.example')}\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"'
        "\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
        "Your message could not be delivered.\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.kommun.example\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {TEAM}\r\nTo: {failed}\r\nMessage-ID: {original_message_id}\r\n"
        "Subject: Svar på ditt ärende\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def malformed() -> bytes:
    """Broken headers, no From, a multipart whose boundary never comes."""
    return (
        b"Subject: =?utf-8?q?broken=ZZ?=\r\nTo: \x00lotsgruppen@kommun.example\r\n"
        b"Message-ID: <broken-1@nowhere.example>\r\n"
        b'Content-Type: multipart/mixed; boundary="never"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"\xff\xfe this is not base64 at all \x80\x81\r\n"
    )
