"""Demo cases: the questions a café owner, a haulier or a builder really asks the lotsgrupp.

Besides the fifteen hand-written cases of the last two months, a year and a half of history is
generated (some 300 cases, deterministic): more questions in spring and autumn, few in July and
at Christmas; a first reply within hours or a day or two, with a few late ones (breaches of the
service target); some cases wait for the company before they are answered; most older cases are
closed. Everything is written through the ordinary services with the clock set to the moment it
happened (lotsen.db_types.clock_at), so the stored figures are the ones the app computes.
"""

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from lotsen.accounts.models import User
from lotsen.cases import services
from lotsen.cases.models import Case, CaseStatus, Category, Channel
from lotsen.cases.workflow import TransitionError, change_status
from lotsen.db_types import clock_at, utcnow
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


HISTORY_DAYS = 548  # a year and a half
DAILY_CASES = 0.8  # on an average working day
SEASON = {1: 0.9, 2: 1.0, 3: 1.3, 4: 1.4, 5: 1.3, 6: 1.0, 7: 0.35, 8: 0.8, 9: 1.25, 10: 1.2,
          11: 1.1, 12: 0.6}  # fmt: skip

# (category, subject, question): what companies in a Swedish municipality ask, again and again.
QUESTIONS = [
    (
        "Livsmedel och servering",
        "Registrering av livsmedelsanläggning",
        "Vi öppnar ett kafé i höst. När ska registreringen vara inne och vad kostar den?",
    ),
    (
        "Livsmedel och servering",
        "Serveringstillstånd för uteservering",
        "Vi vill servera öl och vin på uteserveringen i sommar. Hur lång tid tar ett tillstånd?",
    ),
    (
        "Livsmedel och servering",
        "Tillfälligt serveringstillstånd",
        "Vi har en företagsfest i vår lokal för 120 gäster. Behövs tillfälligt tillstånd?",
    ),
    (
        "Livsmedel och servering",
        "Försäljning från matvagn",
        "Jag ska sälja tacos från en matvagn. Räcker registreringen i min hemkommun?",
    ),
    (
        "Bygglov och lokaler",
        "Bygglov för skylt",
        "Vi byter namn och vill sätta upp en ny belyst skylt på fasaden. Behövs bygglov?",
    ),
    (
        "Bygglov och lokaler",
        "Ändrad användning av lokal",
        "Vi vill göra om ett lager till gym. Är det ändrad användning som kräver bygglov?",
    ),
    (
        "Bygglov och lokaler",
        "Tillbyggnad av verkstad",
        "Vi behöver bygga till verkstaden med 80 kvadratmeter. Vad ska ansökan innehålla?",
    ),
    (
        "Bygglov och lokaler",
        "Solceller på industritaket",
        "Vi vill lägga solceller på taket till vår lagerbyggnad. Behöver vi söka lov?",
    ),
    (
        "Miljö och hälsoskydd",
        "Anmälan av miljöfarlig verksamhet",
        "Vi startar en bilverkstad med tvätt. Vad ska anmälas till miljöförvaltningen?",
    ),
    (
        "Miljö och hälsoskydd",
        "Buller från kylaggregat",
        "Grannarna klagar på ljud från vårt kylaggregat. Vilka riktvärden gäller kvällstid?",
    ),
    (
        "Miljö och hälsoskydd",
        "Hygienlokal för tatuering",
        "Jag öppnar en tatueringsstudio. Vad krävs av lokalen och hur anmäler jag?",
    ),
    (
        "Miljö och hälsoskydd",
        "Avfall och farligt avfall",
        "Hur ska vi som måleri hantera färgrester och lösningsmedel, och vem hämtar dem?",
    ),
    (
        "Mark och etablering",
        "Tomt för ny verksamhet",
        "Vi söker 5 000 kvadratmeter industrimark nära E20. Har kommunen något ledigt?",
    ),
    (
        "Mark och etablering",
        "Arrende av mark för uppställning",
        "Kan vi arrendera kommunal mark för att ställa upp containrar under ett år?",
    ),
    (
        "Mark och etablering",
        "Detaljplan för utbyggnad",
        "Vår tomt räcker inte. Går det att ändra detaljplanen så att vi kan bygga på grannytan?",
    ),
    (
        "Trafik, gata och torg",
        "Upplåtelse av torgplats",
        "Jag vill sälja blommor på torget på lördagar. Hur söker jag plats och vad kostar det?",
    ),
    (
        "Trafik, gata och torg",
        "Transportdispens för tung last",
        "Vi ska köra en 30 meter lång last genom centrum. Vem beslutar om dispens?",
    ),
    (
        "Trafik, gata och torg",
        "Lastzon utanför butiken",
        "Leveranserna till vår butik har ingenstans att stanna. Kan kommunen ordna en lastzon?",
    ),
    (
        "Trafik, gata och torg",
        "Avstängning av gata vid byggarbete",
        "Vi behöver stänga av halva gatan i två veckor när vi byter fasad. Hur söker vi TA-plan?",
    ),
    (
        "Upphandling",
        "Lämna anbud som litet företag",
        "Vi är tre snickare. Kan vi lämna anbud på kommunens ramavtal för underhåll?",
    ),
    (
        "Upphandling",
        "Direktupphandling av städtjänster",
        "Hur gör kommunen direktupphandlingar av städ och hur kommer vi med i förfrågningarna?",
    ),
    (
        "Starta eller ta över företag",
        "Ta över en befintlig restaurang",
        "Vi köper en restaurang. Vilka tillstånd följer med och vilka måste vi söka nya?",
    ),
    (
        "Starta eller ta över företag",
        "Starta hemmabageri",
        "Jag vill baka och sälja bröd hemifrån. Vad behöver jag för registreringar?",
    ),
    (
        "Starta eller ta över företag",
        "Starta åkeri",
        "Jag startar ett åkeri med två lastbilar. Var får jag ställa dem och vad gäller?",
    ),
    (
        "Övrigt",
        "Evenemang i parken",
        "Vi planerar en loppmarknad i parken en söndag i maj. Vem ska vi kontakta?",
    ),
    (
        "Övrigt",
        "Praktikplatser och rekrytering",
        "Vi behöver fler svetsare. Kan kommunen hjälpa oss med praktikanter eller rekrytering?",
    ),
]
TRADES = ["Café", "Bageri", "Åkeri", "Bygg", "Måleri", "El", "VVS", "Frisör", "Pizzeria",
          "Bilservice", "Städ", "Snickeri", "Redovisning", "Blommor", "Gym", "Maskinuthyrning"]  # fmt: skip
PLACES = ["Lerum", "Floda", "Gråbo", "Stenkullen", "Tollered", "Sjövik", "Aspedalen",
          "Öijared", "Nääs", "Hulan", "Olstorp", "Norsesund"]  # fmt: skip
FIRST_NAMES = ["Anna", "Johan", "Maria", "Erik", "Sara", "Mohammed", "Lena", "Peter", "Fatima",
               "Anders", "Emma", "Mikael", "Elin", "Ali", "Karin", "Jonas", "Nora", "Oskar"]  # fmt: skip
LAST_NAMES = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
              "Persson", "Svensson", "Hassan", "Lindberg", "Berg", "Holm", "Sjöberg"]  # fmt: skip
REPLIES = [
    "Hej! Tack för din fråga. Här är vad som gäller och vilka blanketter du behöver: ",
    "Hej! Vi har pratat med berörda handläggare. Så här går ni vidare: ",
    "Hej! Kort svar: ja, det går. Det här behöver ni skicka in: ",
]


def office_moment(day: date, rng: random.Random) -> datetime:
    moment = time(hour=rng.randint(8, 15), minute=rng.randint(0, 59))
    return datetime.combine(day, moment, STOCKHOLM).astimezone(UTC)


def in_office_hours(moment: datetime, rng: random.Random) -> datetime:
    """`moment`, moved to the next working morning if it falls outside office hours."""
    local = moment.astimezone(STOCKHOLM)
    if local.weekday() < 5 and 8 <= local.hour < 17:
        return moment
    day = local.date() + timedelta(days=0 if local.hour < 8 else 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(8, rng.randint(0, 59)), STOCKHOLM).astimezone(UTC)


def history_days(rng: random.Random, today: date) -> list[tuple[datetime, tuple]]:
    """When the generated cases arrive and what they ask, oldest first."""
    arrivals = []
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        expected = DAILY_CASES * SEASON[day.month]
        count = sum(1 for _ in range(4) if rng.random() < expected / 4)
        for _ in range(count):
            arrivals.append((office_moment(day, rng), rng.choice(QUESTIONS)))
    return sorted(arrivals, key=lambda arrival: arrival[0])


def later(moment: datetime, hours: float, rng: random.Random) -> datetime:
    return in_office_hours(moment + timedelta(hours=hours), rng)


def generated_case(rng, received_at, question, categories, leads, now) -> None:
    """One case of the generated history, each step at its own moment (steps after `now` are
    left out, so recent cases are still open)."""
    category, subject, text = question
    trade, place = rng.choice(TRADES), rng.choice(PLACES)
    contact = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    email = f"{contact.split()[0].lower()}@{trade.lower()}{place.lower()}.example"
    email = email.translate(str.maketrans("åäöé", "aaoe"))
    by_phone = rng.random() < 0.3  # a third call; the official registers the question
    submission = services.Submission(
        submitter_name=contact,
        submitter_email=None if by_phone else email,
        submitter_phone="0302-" + str(rng.randint(100000, 999999)) if by_phone else None,
        preferred_contact="phone" if by_phone else "email",
        channel=Channel.PHONE if by_phone else Channel.WEB,
        company_name=f"{place} {trade} AB",
        category_id=categories[category].id,
        subject=subject,
        description=text,
    )
    registrar = rng.choice(leads)
    with clock_at(received_at):
        case, _token = services.open_case(
            submission, created_by=registrar if by_phone else None, received_at=received_at
        )
        db.session.flush()
    lead = case.lead or registrar
    moment = later(received_at, rng.uniform(0.5, 5), rng)
    if case.lead_id is None:
        if moment > now:
            return
        with clock_at(moment):
            case.lead_id, case.lead = lead.id, lead
            change_status(case, CaseStatus.ASSIGNED, lead)
            db.session.flush()
    # First reply: median a few working hours, a long tail; about one in fifteen is late.
    hours = math.exp(rng.gauss(math.log(3), 0.8))
    if rng.random() < 1 / 15:
        hours += rng.uniform(60, 200)
    waits = rng.random() < 0.2
    steps = [(later(moment, hours, rng), "waiting" if waits else "answer")]
    if waits:
        back = later(steps[-1][0], rng.uniform(24, 240), rng)
        steps += [(back, "resumed"), (later(back, rng.uniform(4, 72), rng), "answer")]
    answered = steps[-1][0]
    steps.append((later(answered, rng.uniform(48, 240), rng), "close"))
    reply = rng.choice(REPLIES) + text.split("?")[0].lower() + "."
    for moment, step in steps:
        if moment > now:
            return
        with clock_at(moment):
            try:
                if step == "waiting":
                    services.post_public_reply(
                        case,
                        lead,
                        "Hej! Kan du skicka en skiss och mått?",
                        then_status=CaseStatus.WAITING,
                    )
                elif step == "resumed":
                    services.submitter_reply(case, "Här kommer skissen med mått.", [])
                    if case.status != CaseStatus.IN_PROGRESS:
                        change_status(case, CaseStatus.IN_PROGRESS, lead)
                elif step == "answer":
                    services.post_public_reply(case, lead, reply, then_status=CaseStatus.ANSWERED)
                else:
                    change_status(case, CaseStatus.CLOSED, lead)
            except (services.CaseError, TransitionError):
                return
            db.session.flush()


def load_demo_cases() -> int:
    """Create the demo cases unless there are cases already; returns how many were made."""
    if db.session.scalar(select(func.count()).select_from(Case)):
        return 0
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    leads = [u for u in db.session.scalars(select(User).where(User.email.in_(LEADS)))]
    if not categories or not leads:
        return 0
    rng = random.Random(2026)
    now = utcnow()
    showcase_start = now - timedelta(days=62)
    made = 0
    for received_at, question in history_days(random.Random(1441), now.date()):
        if received_at >= showcase_start:
            break
        generated_case(rng, received_at, question, categories, leads, now)
        made += 1
    made += load_showcase_cases(rng, categories, leads)
    db.session.flush()
    # The demo's history: its receipts and replies count as already delivered.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=utcnow())
    )
    return made


def load_showcase_cases(rng, categories, leads) -> int:
    """The hand-written cases of the last two months, with recent generated ones between."""
    made = 0
    history = [
        arrival
        for arrival in history_days(random.Random(1441), utcnow().date())
        if arrival[0] >= utcnow() - timedelta(days=62)
    ]
    for index, row in enumerate(DEMO_CASES):
        received_at = office_time(rng, 60 - 4 * index)
        while history and history[0][0] < received_at:
            generated_case(rng, *history.pop(0), categories, leads, utcnow())
            made += 1
        category, company, contact, email, subject, question, status, reply = row
        submission = services.Submission(
            submitter_name=contact,
            submitter_email=email,
            company_name=company,
            category_id=categories[category].id,
            subject=subject,
            description=question,
        )
        with clock_at(received_at):
            case, _token = services.open_case(submission, received_at=received_at)
            db.session.flush()
        moment = later(received_at, rng.uniform(1, 6), rng)
        if status != CaseStatus.NEW and case.lead_id is None:  # routing may have chosen one
            case.lead_id = leads[index % len(leads)].id
        lead = db.session.get(User, case.lead_id) if case.lead_id else None
        with clock_at(moment):
            for step in PATH[status]:
                if step != case.status:  # a routing rule may have assigned the case already
                    change_status(case, step, lead)
            db.session.flush()
        moment = later(moment, rng.uniform(2, 30), rng)
        with clock_at(min(moment, utcnow())):
            if reply:
                then = status if status in (CaseStatus.WAITING, CaseStatus.ANSWERED) else None
                if status == CaseStatus.CLOSED:
                    then = CaseStatus.ANSWERED
                services.post_public_reply(case, lead, reply, then_status=then)
            db.session.flush()
        with clock_at(min(later(moment, rng.uniform(24, 96), rng), utcnow())):
            if status == CaseStatus.CLOSED:
                change_status(case, CaseStatus.CLOSED, lead)
            db.session.flush()
        made += 1
    for arrival in history:
        generated_case(rng, *arrival, categories, leads, utcnow())
        made += 1
    return made
