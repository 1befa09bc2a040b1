"""Demo cases: the questions a café owner, a haulier or a builder really asks the lotsgrupp."""

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, update

from lotsen.accounts.models import User
from lotsen.cases import services
from lotsen.cases.models import Case, CaseStatus, Category
from lotsen.cases.workflow import change_status
from lotsen.db_types import utcnow
from lotsen.extensions import db
from lotsen.mail.models import OutboxMessage, OutboxStatus
from lotsen.timekeeping.calendar import STOCKHOLM

# (category, company, contact, e-mail, subject, question, status, reply)
DEMO_CASES = [
    (
        "Livsmedel och servering",
        "Café Solrosen AB",
        "Lina Berg",
        "lina@solrosen.example",
        "Uteservering och serveringstillstånd vid Torget",
        "Vi öppnar ett café vid Torget i april och vill ha uteservering med 20 platser och servera "
        "öl och vin. Vilka tillstånd behöver vi, och hur lång tid tar det?",
        CaseStatus.ANSWERED,
        "Hej Lina! Ni behöver tre saker: registrering av livsmedelsanläggning (Livsmedel, minst två "
        "veckor före öppning), serveringstillstånd (Tillstånd, handläggningstid cirka åtta veckor) och "
        "upplåtelse av offentlig plats för uteserveringen (Trafik och gata). Vi har bokat ett lotsmöte "
        "den 12 mars där alla tre är med.",
    ),
    (
        "Trafik, gata och torg",
        "Eks Åkeri AB",
        "Johan Ek",
        "johan@eksakeri.example",
        "Uppställningsplats för lastbilar nattetid",
        "Vi har fyra lastbilar och behöver ställa dem nära Aspedalens industriområde över natten. "
        "Finns det kommunal mark vi kan hyra?",
        CaseStatus.WAITING,
        "Hej Johan! Det finns en möjlig yta på Aspedalen 1:12. Kan du skicka en skiss över hur stor "
        "yta ni behöver och hur fordonen ska ta sig in?",
    ),
    (
        "Bygglov och lokaler",
        "Lerums Bygg & Snickeri AB",
        "Per Andersson",
        "per@lerumsbygg.example",
        "Bygglov för tillbyggnad av verkstadslokal",
        "Vi vill bygga till vår verkstad med 120 kvadratmeter. Fastigheten ligger inom detaljplan. "
        "Vad behöver en ansökan innehålla?",
        CaseStatus.IN_PROGRESS,
        None,
    ),
    (
        "Miljö och hälsoskydd",
        "Salong Sax & Form",
        "Amira Haddad",
        "amira@saxochform.example",
        "Anmälan av hygienlokal för frisörsalong",
        "Jag tar över en frisörsalong i Gråbo centrum. Måste jag göra en ny anmälan när ägaren byts?",
        CaseStatus.CLOSED,
        "Hej Amira! Ja, den nya ägaren ska anmäla verksamheten enligt miljöbalken. Blanketten finns "
        "på kommunens webbplats; avgiften är en timmes handläggning.",
    ),
    (
        "Starta eller ta över företag",
        "Pizzeria Bella Gråbo",
        "Marco Rossi",
        "marco@bellagrabo.example",
        "Ägarbyte av pizzeria – vad behöver vi göra?",
        "Vi köper en pizzeria med serveringstillstånd. Följer tillståndet med, och vad gäller för "
        "livsmedelsregistreringen?",
        CaseStatus.ASSIGNED,
        None,
    ),
    (
        "Upphandling",
        "Nääs IT-konsult AB",
        "Sofia Lund",
        "sofia@naasit.example",
        "Lämna anbud i kommunens IT-upphandlingar",
        "Vi är ett litet IT-företag i Floda. Hur får vi veta när kommunen upphandlar IT-tjänster och "
        "kan små företag lämna anbud tillsammans?",
        CaseStatus.ANSWERED,
        "Hej Sofia! Kommunen annonserar i upphandlingsdatabasen; bevaka sökordet Lerum. Ja, ni kan "
        "lämna gemensamt anbud. Välkommen till vår frukostträff om upphandling den 5 februari.",
    ),
    (
        "Mark och etablering",
        "Västra Logistik AB",
        "Henrik Nyström",
        "henrik@vastralogistik.example",
        "Köpa industrimark för lagerbyggnad",
        "Vi söker 15 000 kvadratmeter industrimark nära E20 för ett lager med 40 anställda. Vad har "
        "kommunen ledigt och vad kostar det?",
        CaseStatus.NEW,
        None,
    ),
    (
        "Bygglov och lokaler",
        "Bageriet i Floda",
        "Elin Sjöberg",
        "elin@bagerietfloda.example",
        "Ny skylt på fasaden",
        "Behöver vi bygglov för en belyst skylt på 2 x 0,5 meter?",
        CaseStatus.CLOSED,
        "Hej Elin! En belyst skylt kräver bygglov inom detaljplanelagt område. Ansök via e-tjänsten; "
        "handläggningen tar normalt två till fyra veckor.",
    ),
    (
        "Miljö och hälsoskydd",
        "Lerum Gym & Hälsa",
        "Oskar Wikström",
        "oskar@lerumgym.example",
        "Buller från ventilationen – vilka krav gäller?",
        "En granne klagar på ljud från vårt ventilationsaggregat. Vilka riktvärden gäller?",
        CaseStatus.IN_PROGRESS,
        None,
    ),
    (
        "Trafik, gata och torg",
        "Smakrik Matvagn",
        "Nadia Karimi",
        "nadia@smakrik.example",
        "Matvagn vid Lerums station",
        "Jag vill stå med min matvagn vid stationen på vardagar 11–14. Hur söker jag plats?",
        CaseStatus.NEW,
        None,
    ),
    (
        "Livsmedel och servering",
        "Gårdsbutiken Ekbacken",
        "Karl Jonsson",
        "karl@ekbacken.example",
        "Försäljning av egen ost i gårdsbutiken",
        "Vi börjar göra egen ost av mjölken från gården. Behöver vi registrera oss?",
        CaseStatus.WAITING,
        "Hej Karl! Ja, registrering krävs. Hur stor blir tillverkningen per vecka, och säljer ni bara "
        "i gårdsbutiken eller även till butiker?",
    ),
    (
        "Miljö och hälsoskydd",
        "Floda Bilservice AB",
        "Ali Hassan",
        "ali@flodabil.example",
        "Oljeavskiljare vid ny tvätthall",
        "Vi bygger en tvätthall. Vilka krav finns på oljeavskiljare och behöver vi anmäla något?",
        CaseStatus.IN_PROGRESS,
        None,
    ),
    (
        "Trafik, gata och torg",
        "Lerums Handelsförening",
        "Birgitta Holm",
        "birgitta@lerumhandel.example",
        "Julmarknad på Torget",
        "Vi planerar julmarknad med 30 stånd den andra advent. Vilka tillstånd behövs?",
        CaseStatus.ASSIGNED,
        None,
    ),
    (
        "Bygglov och lokaler",
        "Småfötter Förskola AB",
        "Maria Lindgren",
        "maria@smafotter.example",
        "Lokal för fristående förskola",
        "Vi vill starta en förskola i en före detta kontorslokal. Behövs bygglov för ändrad användning?",
        CaseStatus.CLOSED,
        "Hej Maria! Ja, ändrad användning från kontor till förskola kräver bygglov, och lokalen ska "
        "uppfylla krav på brandskydd och ventilation. Vi föreslår ett tidigt samråd.",
    ),
    (
        "Övrigt",
        "Aspen Event AB",
        "Jonas Berg",
        "jonas@aspenevent.example",
        "Konsert vid Aspen sjö i augusti",
        "Vi planerar en konsert för 800 personer. Vem i kommunen ska vi prata med först?",
        CaseStatus.NEW,
        None,
    ),
]

LEADS = [
    "karin.lindqvist@kommun.example",
    "erik.johansson@kommun.example",
    "sara.nilsson@kommun.example",
    "ahmed.hassan@kommun.example",
]
PATH = {
    CaseStatus.NEW: [],
    CaseStatus.ASSIGNED: [CaseStatus.ASSIGNED],
    CaseStatus.IN_PROGRESS: [CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS],
    CaseStatus.WAITING: [CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS],
    CaseStatus.ANSWERED: [CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS],
    CaseStatus.CLOSED: [CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS],
}


def office_time(rng: random.Random, days_ago: int) -> datetime:
    day = datetime.now(STOCKHOLM).date() - timedelta(days=days_ago)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    moment = time(hour=rng.randint(8, 16), minute=rng.randint(0, 59))
    return datetime.combine(day, moment, STOCKHOLM).astimezone(UTC)


def load_demo_cases() -> int:
    """Create the demo cases unless there are cases already; returns how many were made."""
    if db.session.scalar(select(func.count()).select_from(Case)):
        return 0
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    leads = [u for u in db.session.scalars(select(User).where(User.email.in_(LEADS)))]
    if not categories or not leads:
        return 0
    rng = random.Random(2026)
    made = 0
    for index, row in enumerate(DEMO_CASES):
        category, company, contact, email, subject, question, status, reply = row
        submission = services.Submission(
            submitter_name=contact,
            submitter_email=email,
            company_name=company,
            category_id=categories[category].id,
            subject=subject,
            description=question,
        )
        case, _token = services.open_case(submission, received_at=office_time(rng, 60 - 4 * index))
        if status != CaseStatus.NEW and case.lead_id is None:  # routing may have chosen one
            case.lead_id = leads[index % len(leads)].id
        lead = db.session.get(User, case.lead_id) if case.lead_id else None
        for step in PATH[status]:
            if step != case.status:  # a routing rule may have assigned the case already
                change_status(case, step, lead)
        if reply:
            then = status if status in (CaseStatus.WAITING, CaseStatus.ANSWERED) else None
            if status == CaseStatus.CLOSED:
                then = CaseStatus.ANSWERED
            services.post_public_reply(case, lead, reply, then_status=then)
        if status == CaseStatus.CLOSED:
            change_status(case, CaseStatus.CLOSED, lead)
        made += 1
    db.session.flush()
    # The demo's history: its receipts and replies count as already delivered.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=utcnow())
    )
    return made
