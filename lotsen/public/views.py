"""The business owner's side: ask a question, see the receipt, follow the case, reply."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from lotsen.accounts.access import public
from lotsen.cases import services
from lotsen.cases.attachments import collect_uploads, send_attachment, sign_pending
from lotsen.cases.forms import QuestionForm, submission_from
from lotsen.cases.models import Attachment, Case, Message
from lotsen.cases.queries import active_categories, public_messages
from lotsen.companies.orgnr import InvalidOrgNumber, normalise_org_number
from lotsen.companies.services import find_company
from lotsen.db_types import utcnow
from lotsen.extensions import db, limiter
from lotsen.public.forms import NewLinkForm, ReplyForm
from lotsen.timekeeping.queries import is_open, next_opening
from lotsen.writes import button_write, form_write

bp = Blueprint("public", __name__)


def form_rate_limit() -> str:
    return current_app.config["PUBLIC_FORM_RATE_LIMIT"]


def registry_name_for(raw_org_number: str | None) -> str | None:
    """The registered name for a legal person's org number (never a sole trader's)."""
    if not raw_org_number:
        return None
    try:
        number = normalise_org_number(raw_org_number)
    except InvalidOrgNumber:
        return None
    company = None if number.is_personal else find_company(number.value)
    return company.name if company is not None else None


@bp.route("/fraga", methods=["GET", "POST"])
@public
@limiter.limit(form_rate_limit, methods=["POST"])
def ask():
    form = QuestionForm(categories=None)  # open_case checks the category chosen
    files, upload_errors = [], []
    if request.method == "POST":
        files, upload_errors = collect_uploads(
            request.files.getlist(form.attachments.name), form.kept_uploads.data
        )
        if form.homepage.data:  # honeypot filled in: a bot
            return render_template("public/ignored.html")
        if form.validate() and not upload_errors:
            with form_write(form, "category") as saved:
                submission = submission_from(form, files, locale=str(get_locale()))
                case, token = services.open_case(submission)
                case_id = case.id  # read before the commit expires it (no second round trip)
            if saved:
                session["receipt"] = {"case_id": case_id, "token": token}
                return redirect(url_for("public.receipt"))
    categories = active_categories()
    form.offer_categories(categories)
    now = utcnow()
    return render_template(
        "public/ask.html",
        form=form,
        categories=categories,
        kept_files=files,
        kept_reference=sign_pending(files) if files else "",
        upload_errors=upload_errors,
        office_open=is_open(now),
        opens_at=next_opening(now),
        registry_name=registry_name_for(form.org_number.data),
    )


@bp.route("/fraga/tack")
@public
def receipt():
    receipt = session.get("receipt") or {}
    case = db.session.get(Case, receipt.get("case_id")) if receipt.get("case_id") else None
    if case is None:
        return redirect(url_for("public.ask"))
    now = utcnow()
    return render_template(
        "public/receipt.html",
        case=case,
        link=services.status_url(receipt["token"]),
        office_open=is_open(now),
        opens_at=next_opening(now),
    )


class LinkNotValid(Exception):
    """The status link is unknown, expired or replaced; the page says which and what to do."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


def case_or_404(token: str) -> Case:
    with button_write():  # the first use of a link revokes the older ones
        case = services.case_for_token(token)
    if case is None:
        raise LinkNotValid(services.token_state(services.token_row(token)))
    return case


@bp.errorhandler(LinkNotValid)
def link_not_valid(error: LinkNotValid):
    """Not a bare 404: say that the link has expired (or was replaced) and how to get a new one."""
    return render_template("public/link_not_valid.html", state=error.state), 404


@bp.route("/status/<token>", methods=["GET", "POST"])
@public
@limiter.limit(form_rate_limit, methods=["POST"])
def status(token):
    case = case_or_404(token)
    form = ReplyForm()
    files, upload_errors = [], []
    if request.method == "POST":
        files, upload_errors = collect_uploads(
            request.files.getlist(form.attachments.name), form.kept_uploads.data
        )
        if form.validate() and not upload_errors:
            stale = _(
                "Ärendet ändrades samtidigt av lotsgruppen, så ditt svar är inte "
                "skickat. Texten finns kvar här: skicka igen."
            )
            with form_write(form, "body", stale=stale) as saved:
                services.submitter_reply(case, form.body.data, files)
            if saved:
                flash(_("Tack! Ditt svar är skickat till lotsgruppen."), "success")
                return redirect(url_for("public.status", token=token))
    return render_template(
        "public/status.html",
        case=case,
        token=token,
        messages=public_messages(case),
        form=form,
        kept_files=files,
        kept_reference=sign_pending(files) if files else "",
        upload_errors=upload_errors,
    )


@bp.route("/status/<token>/bilaga/<int:attachment_id>")
@public
def status_attachment(token, attachment_id):
    case = case_or_404(token)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        abort(404)
    message = db.session.get(Message, attachment.message_id) if attachment.message_id else None
    if message is None or message.is_internal:
        abort(404)
    return send_attachment(attachment)


@bp.route("/status/ny-lank", methods=["GET", "POST"])
@public
@limiter.limit(form_rate_limit, methods=["POST"])
def new_link():
    form = NewLinkForm()
    if form.validate_on_submit():
        with form_write(form) as saved:
            services.request_new_link(form.case_number.data, form.email.data)
        if saved:
            flash(
                _(
                    "Om ärendenumret och e-postadressen hör ihop har vi skickat en ny länk. "
                    "Tidigare länkar till ärendet slutar gälla när du har öppnat den nya."
                ),
                "success",
            )
            return redirect(url_for("public.new_link"))
    return render_template("public/new_link.html", form=form)
