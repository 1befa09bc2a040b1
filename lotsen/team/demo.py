"""Demo data of the coordinated team: contributions on two cases and a recurring lotsmöte."""

from datetime import time, timedelta

from sqlalchemy import func, select, update

from lotsen.accounts.models import User
from lotsen.cases.models import Case
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage, OutboxStatus
from lotsen.team import contributions, meetings
from lotsen.team.models import CaseContribution, MeetingSeries
from lotsen.timekeeping.calendar import local_today

# (case subject, [(contributor e-mail, question, answer or None)])
DEMO_CONTRIBUTIONS = [
    (
        "Julmarknad på Torget",
        [
            (
                "lars.andersson@kommun.example",
                "Vilken upplåtelse av Torget behövs för 30 stånd den andra advent, och behövs "
                "en trafikanordningsplan för avstängningen av Storgatan?",
                "Polistillstånd för offentlig tillställning plus kommunens yttrande om "
                "upplåtelse. Avstängningen av Storgatan kräver en TA-plan, ansök senast tre "
                "veckor innan.",
            ),
            (
                "ahmed.hassan@kommun.example",
                "Vad gäller för stånd som säljer glögg, korv och bakverk?",
                None,
            ),
            (
                "johanna.svensson@kommun.example",
                "Får ståndägarna ställa sina släpvagnar på kommunens mark vid Aspenvägen?",
                None,
            ),
        ],
    ),
    (
        "Oljeavskiljare vid ny tvätthall",
        [
            (
                "erik.johansson@kommun.example",
                "Kräver tvätthallen bygglov, och behöver oljeavskiljaren redovisas i "
                "bygglovsansökan?",
                "Ja, tvätthallen kräver bygglov. Oljeavskiljaren redovisas på VA-ritningen som "
                "bilaga till ansökan.",
            ),
            (
                "sara.nilsson@kommun.example",
                "Vilken klass på oljeavskiljaren krävs, och ska verksamheten anmälas enligt "
                "miljöbalken?",
                None,
            ),
            (
                "johanna.svensson@kommun.example",
                "Ligger tomten inom verksamhetsområdet för spillvatten?",
                None,
            ),
        ],
    ),
]


def load_demo_team() -> int:
    """Add the demo contributions and meeting series unless there are some already; returns
    the number of contributions made."""
    if db.session.scalar(select(func.count()).select_from(CaseContribution)):
        return 0
    made = 0
    for subject, asks in DEMO_CONTRIBUTIONS:
        case = db.session.scalar(select(Case).where(Case.subject == subject))
        if case is not None and case.lead is not None:
            made += ask_demo_contributions(case, asks, made)
    load_demo_series()
    db.session.flush()
    db.session.execute(  # the demo's notifications count as delivered
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=utcnow())
    )
    return made


def ask_demo_contributions(case: Case, asks, made_before: int) -> int:
    """The case's lead asks each demo contributor; answered ones are completed at once.
    Returns how many were asked (each due a day later than the one before)."""
    if case.department_id is None and case.lead.departments:
        case.department_id = case.lead.departments[0].id
    made = 0
    for email, question, answer in asks:
        contributor = db.session.scalar(select(User).where(User.email == email))
        if contributor is None or contributor.id == case.lead_id:
            continue
        due = local_today() + timedelta(days=5 + made_before + made)
        contribution = contributions.request_contribution(
            case.lead, case, contributor, question, due
        )
        if answer:
            contributions.complete_contribution(contributor, contribution, answer)
        made += 1
    return made


def load_demo_series() -> None:
    """Lotsmöte every other Thursday 14–16 in the town hall, starting on the latest Thursday."""
    if db.session.scalar(select(func.count()).select_from(MeetingSeries)):
        return
    today = local_today()
    last_thursday = today - timedelta(days=(today.weekday() - 3) % 7)
    db.session.add(
        MeetingSeries(
            name="Lotsmöte",
            first_on=last_thursday,
            interval_weeks=2,
            start_time=time(14),
            end_time=time(16),
            place="Kommunhuset, sammanträdesrum Aspen",
            video_link="https://video.kommun.example/lotsmote",
        )
    )
    db.session.flush()
    meetings.generate_meetings(today)
    case = db.session.scalar(select(Case).where(Case.subject == "Julmarknad på Torget"))
    if case is not None and case.lead is not None:
        meetings.flag_for_next_meeting(case.lead, case, "Vem samordnar tillstånden?")
