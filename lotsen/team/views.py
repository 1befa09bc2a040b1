"""The coordinated team: my contributions, the coordinated answer, handover, meetings."""

from dataclasses import dataclass, field

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Department, Role, User
from lotsen.cases import services as cases
from lotsen.cases.access import may_view_case, may_work_on_case, viewable_case_ids
from lotsen.cases.models import Case
from lotsen.cases.workflow import reply_status_choices
from lotsen.extensions import db
from lotsen.replies import services as saved_replies
from lotsen.team import company_meetings, invitations, queries, rules
from lotsen.team import contributions as contributing
from lotsen.team import coordinated_answer as coordination
from lotsen.team import handover as handovers
from lotsen.team import meetings as team_meetings
from lotsen.team.forms import (
    AgendaCaseForm,
    CompanyMeetingForm,
    ContributionAnswerForm,
    ContributionRequestForm,
    CoordinatedAnswerForm,
    DeclineForm,
    FlagForm,
    HandoverForm,
    MeetingForm,
    OutcomeForm,
    SeriesForm,
    with_choices,
)
from lotsen.team.models import AgendaItem, CaseContribution, ContributionState, Meeting, MeetingKind
from lotsen.timekeeping.calendar import local_today
from lotsen.writes import button_write, form_write

bp = Blueprint("team", __name__)
readers = roles_required(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER)
workers = roles_required(Role.OFFICIAL, Role.COORDINATOR)
coordinators = roles_required(Role.COORDINATOR)
# The case page shows its forms only to those who may use them (lotsen.cases.access).
bp.add_app_template_global(may_work_on_case, "may_work_on_case")


def viewable_case(case_id: int) -> Case:
    case = db.get_or_404(Case, case_id)
    if not may_view_case(current_user, case):
        abort(403)
    return case


def back_to_case(case: Case, anchor: str = "team-heading"):
    return redirect(url_for("cases.show", case_id=case.id, _anchor=anchor))


# --- The panel on the case page --------------------------------------------------------------


@dataclass
class TeamPanel:
    contributions: list[CaseContribution]
    is_lead: bool
    may_request: bool
    may_hand_over: bool
    may_flag: bool
    may_arrange_meeting: bool
    agenda_item: AgendaItem | None
    company_meetings: list[Meeting] = field(default_factory=list)

    @property
    def done_count(self) -> int:
        return sum(1 for c in self.contributions if c.state == ContributionState.DONE)

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.contributions if c.is_open)


@bp.app_template_global()
def team_panel(case: Case) -> TeamPanel:
    """What templates/team/_case_panel.html shows on the case page (a few indexed queries)."""
    today = local_today()
    working = current_user.has_role(*rules.WORKING_ROLES)
    return TeamPanel(
        contributions=queries.case_contributions(case),
        is_lead=rules.is_lead(current_user, case),
        may_request=rules.may_request_contributions(current_user, case),
        may_hand_over=rules.may_hand_over(current_user, case),
        may_flag=working,
        may_arrange_meeting=rules.may_arrange_company_meeting(current_user, case),
        agenda_item=queries.waiting_agenda_item(case, today),
        company_meetings=queries.company_meetings_of(case, today),
    )


@bp.app_template_global()
def team_event_kinds() -> tuple[str, ...]:
    return rules.TEAM_EVENT_KINDS


@bp.app_template_global()
def flag_form() -> FlagForm:
    return FlagForm(prefix="flag")


@bp.app_template_global()
def weekday_name(day) -> str:
    return format_date(day, "EEEE")


# --- My contributions ------------------------------------------------------------------------


@bp.route("/delsvar/")
@workers
def my_contributions():
    state = request.args.get("state", ContributionState.REQUESTED)
    if state not in set(ContributionState):
        state = ContributionState.REQUESTED
    page = queries.my_contributions(
        current_user, state, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    counts = queries.contribution_counts(current_user)
    return render_template(
        "team/my_contributions.html",
        page=page,
        counts=counts,
        state=ContributionState(state),
        states=list(ContributionState),
        today=local_today(),
    )


def contribution_for_viewer(contribution_id: int) -> CaseContribution:
    contribution = db.get_or_404(CaseContribution, contribution_id)
    if contribution.contributor_id != current_user.id:
        viewable_case(contribution.case_id)
    return contribution


def render_contribution(contribution, answer_form=None, decline_form=None, status=200):
    if answer_form is None:
        answer_form = ContributionAnswerForm(prefix="answer")
        answer_form.answer.data = contribution.answer
    return (
        render_template(
            "team/contribution.html",
            contribution=contribution,
            case=db.session.get(Case, contribution.case_id),
            answer_form=answer_form,
            decline_form=decline_form or DeclineForm(prefix="decline"),
            is_contributor=contribution.contributor_id == current_user.id,
        ),
        status,
    )


@bp.route("/delsvar/<int:contribution_id>", methods=["GET", "POST"])
@readers
def contribution(contribution_id):
    contribution = contribution_for_viewer(contribution_id)
    if request.method == "GET":
        return render_contribution(contribution)
    form = ContributionAnswerForm(prefix="answer")
    if form.validate_on_submit():
        with form_write(form) as saved:
            if form.done.data:
                contributing.complete_contribution(current_user, contribution, form.answer.data)
            else:
                contributing.save_contribution_draft(current_user, contribution, form.answer.data)
        if saved:
            if form.done.data:
                flash(_("Tack! Ditt delsvar är klart och lotsen har fått veta det."), "success")
                return redirect(url_for("team.my_contributions"))
            flash(_("Utkastet är sparat."), "success")
            return redirect(url_for("team.contribution", contribution_id=contribution.id))
    return render_contribution(contribution, answer_form=form, status=400)


@bp.route("/delsvar/<int:contribution_id>/avboj", methods=["POST"])
@workers
def decline(contribution_id):
    contribution = contribution_for_viewer(contribution_id)
    form = DeclineForm(prefix="decline")
    if form.validate_on_submit():
        with form_write(form) as saved:
            contributing.decline_contribution(current_user, contribution, form.reason.data)
        if saved:
            flash(_("Du har avböjt. Lotsen har fått veta varför."), "success")
            return redirect(url_for("team.my_contributions"))
    return render_contribution(contribution, decline_form=form, status=400)


# --- The lead's actions on a case ------------------------------------------------------------


@bp.route("/arenden/<int:case_id>/delsvar/ny", methods=["GET", "POST"])
@workers
def request_contribution(case_id):
    case = viewable_case(case_id)
    form = ContributionRequestForm()
    members = queries.member_choices(exclude_id=case.lead_id)
    members = [(uid, label) for uid, label in members if uid != current_user.id]
    with_choices(form.contributor_id, members, _("Välj …"))
    if form.validate_on_submit():
        chosen = form.contributor_id.data  # None for a value that is not an id
        contributor = db.session.get(User, chosen) if chosen else None
        with form_write(form) as saved:
            contributing.request_contribution(
                current_user, case, contributor, form.question.data, form.due_on.data
            )
        if saved:
            flash(_("%(name)s har fått frågan.", name=contributor.name), "success")
            return back_to_case(case)
    status = 400 if request.method == "POST" else 200
    allowed = rules.may_request_contributions(current_user, case)
    page = render_template("team/request_contribution.html", form=form, case=case, allowed=allowed)
    return page, status


@bp.route("/arenden/<int:case_id>/samlat-svar", methods=["GET", "POST"])
@workers
def coordinated_answer(case_id):
    case = viewable_case(case_id)
    contributions = queries.case_contributions(case)
    form = CoordinatedAnswerForm()
    with_choices(form.then_status, reply_status_choices(case))
    offer_saved_replies(form.saved_reply, case)
    if request.method == "GET":
        form.body.data = coordination.compose_coordinated_answer(case, contributions)
    elif form.insert_saved_reply.data:  # "Infoga": fill in the template, send nothing
        insert_saved_reply(form, case)
        return render_coordinated_answer(form, case, contributions), 200
    elif form.validate_on_submit():
        with form_write(form) as saved:
            coordination.send_coordinated_answer(
                current_user, case, form.body.data, form.then_status.data or None
            )
        if saved:
            if cases.reaches_owner(case):
                flash(_("Det samlade svaret är skickat till företagaren."), "success")
            else:
                flash(*cases.reply_outcome(case))
            return redirect(url_for("cases.show", case_id=case.id))
    status = 400 if request.method == "POST" else 200
    return render_coordinated_answer(form, case, contributions), status


def render_coordinated_answer(form, case, contributions) -> str:
    return render_template(
        "team/coordinated_answer.html",
        form=form,
        case=case,
        contributions=contributions,
        is_lead=rules.is_lead(current_user, case),
    )


def offer_saved_replies(field, case: Case) -> None:
    with_choices(
        field,
        [(reply.id, reply.title) for reply in saved_replies.replies_for_case(case)],
        _("Välj en svarsmall …"),
    )


def insert_saved_reply(form, case: Case) -> None:
    """Add the chosen saved reply, filled in from the case, after what was typed."""
    try:
        form.body.data = saved_replies.insert_reply(case, form.saved_reply.data, form.body.data)
    except saved_replies.SavedReplyError as error:
        form.saved_reply.errors = [*form.saved_reply.errors, str(error)]


@bp.route("/arenden/<int:case_id>/overlamna", methods=["GET", "POST"])
@workers
def handover(case_id):
    case = viewable_case(case_id)
    form = HandoverForm()
    departments = db.session.scalars(
        select(Department).where(Department.active).order_by(Department.name)
    )
    with_choices(form.department_id, [(d.id, d.name) for d in departments], _("Välj …"))
    with_choices(form.lead_id, queries.member_choices(), _("Ingen ny lots ännu"))
    if form.validate_on_submit():
        department_id = form.department_id.data
        department = db.session.get(Department, department_id) if department_id else None
        lead = db.session.get(User, form.lead_id.data) if form.lead_id.data else None
        with form_write(form) as saved:
            handovers.hand_over(current_user, case, department, lead, form.reason.data)
        if saved:
            flash(_("Ärendet är överlämnat till %(name)s.", name=department.name), "success")
            if may_view_case(current_user, case):
                return redirect(url_for("cases.show", case_id=case.id))
            return redirect(url_for("cases.index"))
    status = 400 if request.method == "POST" else 200
    allowed = rules.may_hand_over(current_user, case)
    return render_template("team/handover.html", form=form, case=case, allowed=allowed), status


@bp.route("/arenden/<int:case_id>/lotsmote", methods=["POST"])
@workers
def flag_case(case_id):
    case = viewable_case(case_id)
    form = FlagForm(prefix="flag")
    if form.validate_on_submit():
        with button_write() as saved:
            item = team_meetings.flag_for_next_meeting(current_user, case, form.note.data or "")
        if saved:
            if item.meeting is not None:
                flash(
                    _("Ärendet tas upp på lotsmötet %(date)s.", date=item.meeting.on_date),
                    "success",
                )
            else:
                flash(_("Ärendet tas upp på nästa lotsmöte när det är planerat."), "success")
    else:
        flash(_("Formuläret hade gått ut. Försök igen."), "error")
    return back_to_case(case)


@bp.route("/arenden/<int:case_id>/ledmote", methods=["GET", "POST"])
@workers
def company_meeting_new(case_id):
    case = viewable_case(case_id)
    form = CompanyMeetingForm()
    involved = involved_officials(case)
    form.participants.choices = [SelectChoice(u.id, label) for u, label in member_labels(involved)]
    if request.method == "GET":
        form.participants.data = [user.id for user in involved]
        form.invite_company.data = bool(case.submitter_email)
    if form.validate_on_submit():
        chosen = set(form.participants.data or [])
        participants = [user for user in involved if user.id in chosen]
        times = meeting_times(form)
        with form_write(form) as saved:
            meeting = company_meetings.create_company_meeting(
                current_user, case, times, participants, form.invite_company.data, form.message.data
            )
        if saved:
            flash(_("Ledmötet är bokat och inbjudningarna skickas."), "success")
            return redirect(url_for("team.meeting", meeting_id=meeting.id))
    status = 400 if request.method == "POST" else 200
    allowed = rules.may_arrange_company_meeting(current_user, case)
    page = render_template("team/company_meeting_form.html", form=form, case=case, allowed=allowed)
    return page, status


def involved_officials(case: Case) -> list[User]:
    """The lead and everyone asked for a contribution that did not decline."""
    people = {}
    if case.lead is not None:
        people[case.lead.id] = case.lead
    for contribution in queries.case_contributions(case):
        if contribution.state != ContributionState.DECLINED:
            people[contribution.contributor.id] = contribution.contributor
    return sorted((u for u in people.values() if u.active), key=lambda user: user.name)


def member_labels(users: list[User]):
    for user in users:
        departments = ", ".join(d.name for d in user.departments)
        yield user, f"{user.name} ({departments})" if departments else user.name


def meeting_times(form) -> team_meetings.MeetingTimes:
    return team_meetings.MeetingTimes(
        on_date=form.on_date.data,
        start_time=form.start_time.data,
        end_time=form.end_time.data,
        place=form.place.data or "",
        video_link=form.video_link.data or "",
    )


# --- Team meetings ---------------------------------------------------------------------------


@bp.route("/lotsmoten/")
@readers
def meetings():
    today = local_today()
    return render_template(
        "team/meetings.html",
        upcoming=queries.upcoming_meetings(today),
        page=queries.past_meetings(
            today, request.args.get("after"), current_app.config["PAGE_SIZE"]
        ),
        series=queries.all_series(),
        today=today,
    )


@bp.route("/lotsmoten/nytt", methods=["GET", "POST"], defaults={"meeting_id": None})
@bp.route("/lotsmoten/<int:meeting_id>/redigera", methods=["GET", "POST"])
@workers
def meeting_form(meeting_id):
    meeting = db.get_or_404(Meeting, meeting_id) if meeting_id else None
    if meeting is not None and meeting.case_id is not None:
        viewable_case(meeting.case_id)
    form = MeetingForm(obj=meeting)
    if request.method == "GET" and meeting is None:
        form.title.data = _("Lotsmöte")
    if form.validate_on_submit():
        with form_write(form) as saved:
            if meeting is None:
                meeting = team_meetings.create_team_meeting(
                    current_user, form.title.data, meeting_times(form), form.notes.data
                )
            else:
                team_meetings.update_meeting(
                    current_user, meeting, form.title.data, meeting_times(form), form.notes.data
                )
        if saved:
            flash(_("Mötet är sparat."), "success")
            return redirect(url_for("team.meeting", meeting_id=meeting.id))
    status = 400 if request.method == "POST" else 200
    return render_template("team/meeting_form.html", form=form, meeting=meeting), status


def outcome_form(item: AgendaItem, owners) -> OutcomeForm:
    form = OutcomeForm(prefix=f"item{item.id}")
    with_choices(form.owner_id, owners, _("Ingen"))
    if request.method == "GET" and item.outcome_at is not None:
        form.decision.data = item.decision
        form.next_step.data = item.next_step
        form.owner_id.data = item.owner_id
    return form


def render_meeting(meeting: Meeting, status=200, **forms):
    if meeting.kind == MeetingKind.COMPANY:
        return render_template("team/company_meeting.html", meeting=meeting), status
    agenda = queries.agenda_of(meeting)
    visible = viewable_case_ids(current_user, [entry.item.case for entry in agenda])
    owners = queries.member_choices()
    outcome_forms = forms.pop("outcome_forms", {})
    for entry in agenda:
        outcome_forms.setdefault(entry.item.id, outcome_form(entry.item, owners))
    page = render_template(
        "team/meeting.html",
        meeting=meeting,
        agenda=agenda,
        visible=visible,
        outcome_forms=outcome_forms,
        agenda_form=forms.pop("agenda_form", AgendaCaseForm(prefix="agenda")),
        may_work=current_user.has_role(*rules.WORKING_ROLES),
    )
    return page, status


@bp.route("/lotsmoten/<int:meeting_id>")
@readers
def meeting(meeting_id):
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.case_id is not None:
        viewable_case(meeting.case_id)
    return render_meeting(meeting)


@bp.route("/lotsmoten/<int:meeting_id>/kalender.ics")
@readers
def meeting_calendar(meeting_id):
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.case_id is not None:
        viewable_case(meeting.case_id)
    response = Response(invitations.invitation_file(meeting), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f"attachment; filename=lotsen-{meeting.id}.ics"
    return response


@bp.route("/lotsmoten/<int:meeting_id>/dagordning", methods=["POST"])
@workers
def agenda_add(meeting_id):
    meeting = db.get_or_404(Meeting, meeting_id)
    form = AgendaCaseForm(prefix="agenda")
    if form.validate_on_submit():
        number = form.case_number.data.strip().upper()
        case = db.session.scalar(select(Case).where(Case.number == number))
        if case is None:
            form.case_number.errors = [_("Det finns inget ärende med det numret.")]
        else:
            with form_write(form, "case_number") as saved:
                team_meetings.add_to_agenda(current_user, case, meeting, form.note.data or "")
            if saved:
                flash(_("%(number)s står nu på dagordningen.", number=case.number), "success")
                return redirect(url_for("team.meeting", meeting_id=meeting.id))
    return render_meeting(meeting, status=400, agenda_form=form)


@bp.route("/lotsmoten/punkter/<int:item_id>/utfall", methods=["POST"])
@workers
def outcome(item_id):
    item = db.get_or_404(AgendaItem, item_id)
    if item.meeting is None:
        abort(404)
    viewable_case(item.case_id)
    form = outcome_form(item, queries.member_choices())
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
        with form_write(form) as saved:
            team_meetings.record_outcome(
                current_user, item, form.decision.data, form.next_step.data, owner
            )
        if saved:
            flash(_("Utfallet för %(number)s är sparat.", number=item.case.number), "success")
            return redirect(url_for("team.meeting", meeting_id=item.meeting_id))
    return render_meeting(item.meeting, status=400, outcome_forms={item.id: form})


@bp.route("/lotsmoten/serier/ny", methods=["GET", "POST"])
@coordinators
def series_new():
    form = SeriesForm()
    if form.validate_on_submit():
        data = team_meetings.SeriesData(
            name=form.name.data,
            first_on=form.first_on.data,
            interval_weeks=form.interval_weeks.data,
            start_time=form.start_time.data,
            end_time=form.end_time.data,
            place=form.place.data or "",
            video_link=form.video_link.data or "",
        )
        with form_write(form) as saved:
            team_meetings.create_series(current_user, data)
        if saved:
            flash(_("Mötesserien är upplagd och nästa möte är skapat."), "success")
            return redirect(url_for("team.meetings"))
    status = 400 if request.method == "POST" else 200
    return render_template("team/series_form.html", form=form), status
