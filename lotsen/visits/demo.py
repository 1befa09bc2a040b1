"""Three years of demo company visits with topics, needs, employee figures and follow-ups.

Twenty hand-written visits carry the detailed stories; about 200 routine visits over the last
three years (more each year, towards the target of 80 a year) fill the strategy dashboard
(visits against the target, coverage, topics per area, needs and jobs); every fourth company
is never visited, so coverage stays below 100 % and the visit plan has suggestions. Each
company's head count follows its own growth rate from the registry figure of November 2021 (the
baseline year of the jobs target), so that the figures reported at visits make a believable
jobs trend. Loaded by `flask lotsen demo-data`.
"""

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from lotsen.accounts.models import User
from lotsen.cases.models import Category
from lotsen.companies.models import Company
from lotsen.extensions import db
from lotsen.programme.models import StrategyArea
from lotsen.timekeeping.calendar import STOCKHOLM
from lotsen.visits import services
from lotsen.visits.models import Need, Visit

HOSTS = ["karin.lindqvist@kommun.example", "erik.johansson@kommun.example",
         "sara.nilsson@kommun.example", "helena.berg@kommun.example"]  # fmt: skip
GUESTS = [
    "",
    "Kommunstyrelsens ordförande",
    "Kommunstyrelsens ordförande, oppositionsråd",
    "Företagsrådgivare från Almi Väst",
    "",
]

# (days from today, purpose, needs, employees now, in three years, topics [(text, areas, tags)],
#  follow-ups [(text, days from the visit until due)])
VISITS = [
    (-520, "Årligt företagsbesök", ["recruitment"], 14, 18,
     [("Svårt att hitta bagare och konditorer", ["Kompetensförsörjning"], ["rekrytering"])],
     [("Koppla ihop med gymnasiets restaurangprogram", 30)]),
    (-480, "Expansionsplaner", ["land", "permits"], 35, 50,
     [("Behöver 2 hektar verksamhetsmark nära E20", ["Markberedskap och fysisk planering"],
       ["mark", "e20"])],
     [("Ta fram förslag på tomter", 21)]),
    (-450, "Dialog om transporter", ["transport"], 28, 30,
     [("Tung trafik genom centrum skapar konflikter", ["Infrastruktur och tillgänglighet"],
       ["trafik"])], []),
    (-400, "Nyetablering i kommunen", ["premises", "broadband"], 6, 15,
     [("Saknar fiber till industriområdet", ["Infrastruktur och tillgänglighet"], ["bredband"])],
     [("Kontrollera utbyggnadsplanen för fiber", 14)]),
    (-360, "Generationsskifte", ["funding", "network"], 22, 22,
     [("Vill ha kontakt med rådgivare för ägarskifte", ["Företagsklimat"], ["ägarskifte"])],
     []),
    (-330, "Upphandling och offentliga affärer", ["procurement"], 45, 55,
     [("Upplever att kommunens upphandlingar är svåra att delta i", ["Företagsklimat"],
       ["upphandling"])],
     [("Bjud in till dialogmöte om kommande upphandlingar", 30)]),
    (-300, "Besöksnäringen i Floda", ["premises"], 12, 16,
     [("Fler vandringsleder skulle ge fler gäster", ["Attraktionskraft", "Innovationskraft"],
       ["besöksnäring", "vandringsleder"])], []),
    (-270, "Handläggningstider för bygglov", ["permits"], 60, 70,
     [("Väntat länge på besked om tillbyggnad", ["Företagsklimat"],
       ["bygglov", "handläggningstid"])],
     [("Stäm av ärendet med bygglovsenheten", 7)]),
    (-240, "Kompetensförsörjning", ["recruitment", "housing"], 120, 150,
     [("Nyanställda hittar inga bostäder i kommunen", ["Attraktionskraft"], ["bostäder"]),
      ("Vill ta emot fler praktikanter", ["Kompetensförsörjning"], ["praktik"])],
     [("Kontakta arbetsmarknadsenheten om praktikplatser", 14)]),
    (-200, "Innovation och samverkan", ["network"], 18, 25,
     [("Intresserad av klustersamarbete inom träindustrin", ["Innovationskraft"], ["kluster"])],
     []),
    (-170, "Lokalbehov", ["premises"], 9, 12,
     [("Behöver större lokal i centrala Lerum", ["Markberedskap och fysisk planering"],
       ["lokaler"])],
     [("Skicka lista över lediga lokaler", 10)]),
    (-140, "Årligt företagsbesök", ["transport", "recruitment"], 33, 40,
     [("Pendlingen med buss fungerar dåligt för skiftarbetare",
       ["Infrastruktur och tillgänglighet"], ["kollektivtrafik"])], []),
    (-110, "Dialog om miljötillsyn", ["permits"], 25, 27,
     [("Vill förstå tillsynsavgifterna bättre", ["Företagsklimat"], ["tillsyn"])],
     [("Boka möte med miljö och hälsa", 14)]),
    (-80, "Unga företagare", ["network", "funding"], 3, 8,
     [("Vill nå fler UF-företag", ["Företagsklimat", "Kompetensförsörjning"], ["uf"])], []),
    (-60, "Expansionsplaner", ["land"], 75, 110,
     [("Planerar ny produktionshall", ["Markberedskap och fysisk planering"], ["detaljplan"])],
     [("Undersök om detaljplanen tillåter ny hall", 20)]),
    (-40, "Besök med kommunstyrelsen", ["recruitment", "transport"], 40, 48,
     [("Önskar bättre cykelväg till industriområdet", ["Infrastruktur och tillgänglighet"],
       ["cykel"])],
     [("Lyft frågan med trafik och gata", 14)]),
    (-20, "Uppföljande besök", ["permits"], 16, 20,
     [("Nöjda med den samordnade handläggningen", ["Företagsklimat"], ["lotsen"])], []),
    (6, "Planerat årligt besök", [], None, None, [], []),
    (14, "Första besök efter nyetablering", [], None, None, [], []),
    (30, "Dialog om markköp", [], None, None, [], []),
]  # fmt: skip


# Routine visits: (purpose, topic pool) and topics as (text, areas, tags).
PURPOSES = [
    "Årligt företagsbesök",
    "Dialog om kompetensförsörjning",
    "Uppföljning av tidigare besök",
    "Besök med kommunstyrelsen",
    "Dialog om expansion",
    "Frukostbesök med näringslivsrådet",
]
TOPICS = [
    ("Svårt att rekrytera tekniker", ["Kompetensförsörjning"], ["rekrytering"]),
    ("Vill samarbeta med gymnasieskolan om lärlingar", ["Kompetensförsörjning"], ["lärling"]),
    ("Anställda pendlar från Göteborg och vill ha tätare tåg", ["Infrastruktur och tillgänglighet"],
     ["pendling"]),
    ("Behöver bättre vägbelysning vid infarten", ["Infrastruktur och tillgänglighet"], ["väg"]),
    ("Letar efter mark för en ny lagerbyggnad", ["Markberedskap och fysisk planering"], ["mark"]),
    ("Undrar när detaljplanen för området blir klar", ["Markberedskap och fysisk planering"],
     ["detaljplan"]),
    ("Bra bemötande från bygglovsenheten", ["Företagsklimat"], ["bemötande"]),
    ("Vill ha snabbare besked om tillstånd", ["Företagsklimat"], ["handläggningstid"]),
    ("Deltar gärna i kommunens upphandlingsdialog", ["Företagsklimat"], ["upphandling"]),
    ("Centrum behöver fler besökare kvällstid", ["Attraktionskraft"], ["centrum"]),
    ("Vill synas i kommunens besöksmarknadsföring", ["Attraktionskraft"], ["besöksnäring"]),
    ("Testar solceller och batterilager i produktionen", ["Innovationskraft"], ["energi"]),
    ("Intresserad av samarbete med Chalmers", ["Innovationskraft", "Kompetensförsörjning"],
     ["forskning"]),
]  # fmt: skip
FOLLOW_UPS = [
    "Skicka kontaktuppgifter till Arbetsförmedlingens företagsservice",
    "Bjud in till nästa frukostmöte",
    "Stäm av frågan med samhällsbyggnadsförvaltningen",
    "Skicka information om lediga verksamhetstomter",
    "Återkom om tidplanen för detaljplanen",
]
BASE_HEAD_COUNT = {"0": 1, "1-4": 3, "5-9": 7, "10-19": 14, "20-49": 32, "50-99": 68}
CENSUS_DAY = date(2021, 11, 1)
ROUTINE_DAYS = 1080
SEED = 7


class HeadCounts:
    """Each company's head count on a day: the 2021 registry figure grown at its own rate."""

    def __init__(self, companies, rng: random.Random):
        self.base = {c.id: BASE_HEAD_COUNT.get(c.size_class or "1-4", 3) for c in companies}
        self.rate = {c.id: rng.uniform(-0.03, 0.12) for c in companies}

    def on(self, company, day: date) -> int:
        years = (day - CENSUS_DAY).days / 365.25
        return max(1, round(self.base[company.id] * (1 + self.rate[company.id]) ** years))

    def in_three_years(self, company, day: date) -> int:
        return self.on(company, day + timedelta(days=3 * 365))


def record_registry_figures(companies, head_counts: HeadCounts) -> None:
    """The registry's employee figures as SCB delivered them in November 2021 (demo only)."""
    for company in companies:
        if company.employee_count is None:
            company.employee_count = head_counts.base[company.id]
            company.employee_count_on = CENSUS_DAY
            company.employee_count_source = "SCB:s företagsregister (demo)"


def routine_days(today: date, rng: random.Random) -> list[date]:
    """Working days over the last three years, more of them each year (towards the target)."""
    days = []
    for offset in range(ROUTINE_DAYS, 4, -1):
        day = today - timedelta(days=offset)
        share = 0.17 + 0.16 * (ROUTINE_DAYS - offset) / ROUTINE_DAYS
        if day.weekday() < 5 and day.month != 7 and rng.random() < share:
            days.append(day)
    return days


def make_visit(company, day: date, index: int, hosts, head_counts, **values) -> Visit:
    data = services.VisitData(
        company=company,
        starts_at=datetime.combine(day, time(9 + index % 6, 0), tzinfo=STOCKHOLM),
        participants=[hosts[index % len(hosts)], hosts[(index + 1) % len(hosts)]],
        guests=GUESTS[index % len(GUESTS)],
        **values,
    )
    return services.save_visit(None, None, data)


def add_follow_ups(visit, day: date, today: date, follow_ups, owner) -> None:
    for text, due_in in follow_ups:
        follow_up = services.add_follow_up(None, visit, text, owner, day + timedelta(days=due_in))
        if follow_up.due_on < today - timedelta(days=45):
            services.complete_follow_up(None, follow_up)


def load_demo_visits() -> int:
    """Create the demo visits unless there are visits already; returns how many were made."""
    if db.session.scalar(select(func.count()).select_from(Visit)):
        return 0
    companies = list(db.session.scalars(select(Company).order_by(Company.id).limit(60)))
    hosts = list(db.session.scalars(select(User).where(User.email.in_(HOSTS)).order_by(User.id)))
    areas = {area.name: area for area in db.session.scalars(select(StrategyArea))}
    if not companies or not hosts:
        return 0
    rng = random.Random(SEED)
    head_counts = HeadCounts(companies, rng)
    record_registry_figures(companies, head_counts)
    today = datetime.now(STOCKHOLM).date()
    made = 0
    # Every fourth company has never had a visit (they show up as suggestions); larger
    # companies are visited more often.
    visited = [company for index, company in enumerate(companies) if index % 4 != 3]
    weights = [head_counts.base[company.id] ** 0.5 for company in visited]
    for index, day in enumerate(routine_days(today, rng)):
        company = rng.choices(visited, weights)[0]
        topics = rng.sample(TOPICS, rng.choice((1, 1, 2)))
        visit = make_visit(
            company, day, index, hosts, head_counts,
            purpose=rng.choice(PURPOSES),
            notes="Samtal med ledningen om läget i verksamheten.",
            needs=rng.sample([need.value for need in Need], rng.choice((0, 1, 1, 2, 3))),
            employees_now=head_counts.on(company, day),
            employees_in_three_years=head_counts.in_three_years(company, day),
        )  # fmt: skip
        for text, area_names, tags in topics:
            services.add_topic(
                None, visit, text, [areas[n] for n in area_names if n in areas], tags
            )
        if rng.random() < 0.3:
            follow_up = (rng.choice(FOLLOW_UPS), rng.choice((14, 21, 30)))
            add_follow_ups(visit, day, today, [follow_up], hosts[index % len(hosts)])
        made += 1
    made += load_story_visits(visited, hosts, areas, head_counts, today)
    db.session.flush()
    return made


def load_story_visits(companies, hosts, areas, head_counts, today: date) -> int:
    """The hand-written visits; employee figures follow the company's head count."""
    larger = [c for c in companies if head_counts.base[c.id] >= 7] or companies
    case_follow_up = None
    for index, row in enumerate(VISITS):
        days, purpose, needs, now, later, topics, follow_ups = row
        day = today + timedelta(days=days)
        company = larger[(index * 5) % len(larger)]
        visit = make_visit(
            company, day, index, hosts, head_counts,
            purpose=purpose,
            notes="" if days > 0 else "Samtal med ledningen och en rundvandring i verksamheten.",
            needs=needs,
            employees_now=head_counts.on(company, day) if now is not None else None,
            employees_in_three_years=(
                round(head_counts.on(company, day) * later / now) if now is not None else None
            ),
        )  # fmt: skip
        for text, area_names, tags in topics:
            tagged = [areas[name] for name in area_names if name in areas]
            services.add_topic(None, visit, text, tagged, tags)
        owner = hosts[index % len(hosts)]
        add_follow_ups(visit, day, today, follow_ups, owner)
        if days < 0 and "detaljplanen" in " ".join(text for text, _due in follow_ups):
            case_follow_up = visit.follow_ups[0]
    category = db.session.scalar(select(Category).where(Category.name == "Mark och etablering"))
    if case_follow_up is not None and category is not None and category.active:
        services.follow_up_to_case(case_follow_up.owner, case_follow_up, category.id)
    return len(VISITS)
