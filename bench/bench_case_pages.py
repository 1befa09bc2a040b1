"""Benchmark: the officials' everyday pages over many cases (issue 5, "Speed").

    python bench/bench_case_pages.py --cases 10000,100000,1000000 --db both --requests 100

For each size and database: a fresh, migrated database filled with generated data in realistic
ratios, then --requests timed, server-side requests per page through the Flask test client
(views and templates, logged in as the right user) of
  triage     the triage queue (/fordelning/), as a coordinator
  my cases   the case list's "Mina ärenden" (/arenden/?scope=mine), as an official with a
             typical load (20-40 open cases; the same officials and loads at every size)
  case       random case pages, with their events, messages and contributions, as a coordinator
  company    random company pages with their cases (companies picked through random cases,
             so busy companies come up as often as they are looked at), as an official
Every response must be 200 and show what the page is about. It prints p50/p95/max per page, the
SQL statements per request (counted with SQLAlchemy's before_cursor_execute; the same at every
size) and, per database, p95 at the largest size / p95 at the smallest (target <= 1.5).

The data, per N cases received over eight years up to now (ids in order of receipt):
  * the demo departments and categories (with their service targets and routing rules),
    about 60 active officials (3 coordinators, a manager, an admin) with the categories they
    handle, and 24 former officials (inactive accounts) from the eight years;
  * max(N/4, 3,000) companies (a tenth of them sole traders) with SNI codes; three quarters
    of the cases name a registered company (busy companies have many cases);
  * about 3 % of the cases open: recent ones and a tail of old, forgotten ones. A few dozen
    (10 k) to a few hundred (1 M) are new and have no lead: the triage queue. Active officials
    carry a bounded load (timed officials 20-40 open cases, the others 12-45); the surplus of
    old open cases belongs to former officials. The rest are answered, closed or withdrawn;
  * per case the messages and events the services write (about 3 messages, some of them
    internal notes, and 9 events: created, status changes, assigned, replies and notes,
    contributions asked and answered: a closed case's plainest life is already 7),
    about 0.5 contributions (delsvar) per case, an "assigned" notification to every lead, and
    the stored working-time figures computed with the app's own rules
    (lotsen.timekeeping.figures.compute_figures) from the same status history.
Generated in chunks (bounded memory) and bulk-loaded: COPY on PostgreSQL, executemany in
large transactions on SQLite; then ANALYZE.
"""

import argparse
import json
import math
import os
import pickle
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CATEGORIES, ROOT, bench_app, fresh_database  # noqa: E402

from lotsen.timekeeping.calendar import STOCKHOLM  # noqa: E402

SEED = 2026
CHUNK = 5_000
YEARS_DAYS = 2922  # eight years
PASSWORD = "bench-password-2026"
PAGES = ("triage", "my cases", "case", "company")

# Active officials per department (demo departments, lotsen.demo.DEPARTMENTS).
STAFF = {
    "Näringsliv": 12,
    "Bygglov": 10,
    "Miljö och hälsa": 8,
    "Livsmedel": 7,
    "Mark och exploatering": 6,
    "Trafik och gata": 6,
    "Upphandling": 5,
    "Tillstånd (alkohol och tobak)": 4,
}
FORMER_PER_DEPARTMENT = 3
# The officials timed on "Mina ärenden": (department, open cases they lead) at every size.
TIMED = [
    ("Näringsliv", 24),
    ("Bygglov", 31),
    ("Miljö och hälsa", 37),
    ("Livsmedel", 22),
    ("Mark och exploatering", 28),
    ("Trafik och gata", 35),
]
CHANNELS = [("web", 55), ("email", 20), ("phone", 15), ("visit", 6), ("letter", 4)]

FIRST_NAMES = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sofia", "Mikael", "Elin", "Anders",
    "Eva", "Per", "Lena", "Nils", "Ida", "Oskar", "Sara", "Jonas", "Emma", "Fredrik",
    "Malin", "Henrik", "Linnea", "Gustav", "Amira", "Ali", "Hanna", "Viktor", "Ebba", "Mats",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindqvist",
    "Berg", "Holm", "Sandberg", "Lund", "Ek", "Hassan", "Axelsson", "Forsberg", "Sjöberg",
]  # fmt: skip
NAME_WORDS = [
    "Bergs", "Sjöviks", "Norrlands", "Ekholms", "Gästrike", "Vänerns", "Älvdals", "Solrosens",
    "Tallbackens", "Hälsinge", "Östra", "Lillgårdens", "Storsjö", "Åsens", "Kvarnbyns",
    "Hamnens", "Torgets", "Björkhagens", "Lindens", "Fjällens", "Strandens", "Granlunds",
]  # fmt: skip
NAME_KINDS = [
    ("Bygg AB", "43210"), ("Café", "56100"), ("Fastigheter AB", "68204"), ("Åkeri AB", "49410"),
    ("Restaurang AB", "56100"), ("Frisör", "96021"), ("El AB", "43210"), ("Bageri AB", "10710"),
    ("Livs AB", "47111"), ("Konsult AB", "62010"), ("Hotell AB", "55101"),
    ("Tandvård AB", "86230"), ("Snickeri", "41200"),
]  # fmt: skip
TOWNS = [
    ("Gävle", "80320", "2180"), ("Sandviken", "81130", "2181"), ("Hofors", "81330", "2104"),
    ("Valbo", "81830", "2180"), ("Storvik", "81230", "2181"), ("Hedesunda", "81040", "2180"),
]  # fmt: skip
STREETS = ["Storgatan", "Drottninggatan", "Kungsgatan", "Nygatan", "Hamngatan", "Södra vägen"]
SUBJECTS = [
    "Fråga om tillstånd för uteservering",
    "Ändrad användning av lokal",
    "Serveringstillstånd inför sommaren",
    "Anmälan av miljöfarlig verksamhet",
    "Tomt för etablering av lager",
    "Skylt på fasaden",
    "Registrering av livsmedelsanläggning",
    "Tillfällig upplåtelse av torgyta",
    "Hur lämnar vi anbud?",
    "Vi vill ta över en restaurang",
]
QUESTIONS = [
    "Hej! Vi planerar att öppna i vår och undrar vilka tillstånd vi behöver söka och hur lång "
    "tid det brukar ta. Vi har redan skrivit kontrakt på lokalen.",
    "Vi vill bygga om lokalen och ändra användningen från butik till café. Behövs bygglov, och "
    "vem ska vi prata med om ventilationen?",
    "Vi har fått en förfrågan om att leverera till kommunen. Hur går upphandlingen till och var "
    "hittar vi underlagen?",
]
REPLIES = [
    "Tack för din fråga! Du behöver göra en anmälan till miljö- och hälsoskydd och söka "
    "bygglov för ändrad användning. Jag har bifogat länkar och hör av mig när vi har tittat "
    "på ritningarna.",
    "Hej! Vi har gått igenom ärendet tillsammans med bygglov och livsmedel. Ni kan börja med "
    "registreringen redan nu; bygglovet tar normalt fyra till sex veckor.",
]
NOTES = [
    "Ringde företaget, de återkommer med ritningar.",
    "Stämt av med bygglov: inget lov krävs om fasaden inte ändras.",
    "Tas upp på lotsmötet på torsdag.",
]
CONTRIBUTION_QUESTIONS = [
    "Behövs bygglov för den ändrade användningen av lokalen?",
    "Vilka krav ställer ni på ventilationen för ett kafé i den här lokalen?",
    "Kan företaget få tillfälligt serveringstillstånd i sommar?",
]
CONTRIBUTION_ANSWERS = [
    "Ja, ändrad användning kräver bygglov. Ansökan kan göras digitalt; handläggningstiden är "
    "cirka fyra veckor.",
    "Lokalen behöver godkänd ventilation enligt BBR. Vi kan göra ett platsbesök nästa vecka.",
]


# --- Plan ----------------------------------------------------------------------------------------


def luhn_digit(nine: str) -> str:
    total = 0
    for position, char in enumerate(nine):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def open_share(age_days: float) -> float:
    """Chance that a case received `age_days` ago is still open: recent ones mostly are; a
    small tail of old ones was forgotten."""
    return 0.9 * math.exp(-age_days / 45) + 0.016


def expected_open(cases: int, low: float, high: float) -> float:
    """Expected open cases received between `low` and `high` days ago."""
    per_day = cases / YEARS_DAYS
    high = min(high, YEARS_DAYS)
    if high <= low:
        return 0.0
    decay = 0.9 * 45 * (math.exp(-low / 45) - math.exp(-high / 45))
    return per_day * (decay + 0.016 * (high - low))


def solve_window(cases: int, start: float, wanted: float) -> float:
    """Days after `start` that hold `wanted` open cases (bisection; inf if all do not)."""
    if expected_open(cases, start, YEARS_DAYS) <= wanted:
        return math.inf
    low, high = 0.0, float(YEARS_DAYS)
    for _ in range(60):
        middle = (low + high) / 2
        if expected_open(cases, start, start + middle) < wanted:
            low = middle
        else:
            high = middle
    return high


@dataclass
class Plan:
    cases: int
    now: datetime
    companies: int = 0
    triage: int = 0
    triage_days: float = 0.0
    active_days: float = 0.0  # open cases younger than triage_days + this go to active officials

    def __post_init__(self):
        self.companies = max(self.cases // 4, 3000)
        self.triage = min(300, max(40, self.cases // 3000), max(1, self.cases // 100))
        self.triage_days = solve_window(self.cases, 0.0, self.triage)
        self.start = self.now - timedelta(days=YEARS_DAYS)


@dataclass
class Person:
    id: int
    name: str
    email: str
    department: str
    active: bool
    capacity: int = 0  # open cases they may lead (active officials)
    load: int = 0
    timed: bool = False


@dataclass
class People:
    """The officials, as the generator picks them."""

    coordinators: list[Person]
    officials: list[Person]  # active officials who lead cases
    former: list[Person]
    by_department: dict[str, list[Person]] = field(default_factory=dict)

    def __post_init__(self):
        for person in self.officials + self.former:
            self.by_department.setdefault(person.department, []).append(person)

    @property
    def capacity(self) -> int:
        return sum(person.capacity for person in self.officials)


# --- Reference data: departments, categories, routing, officials --------------------------------


def create_reference_data(url: str) -> tuple[People, dict]:
    """Departments, categories, routing rules, officials with roles, departments and the
    categories they handle. Returns the people and the ids the generator needs."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from lotsen.accounts.models import Department, User, UserRole, user_departments
    from lotsen.cases.models import Category
    from lotsen.demo import CATEGORIES as DEMO_CATEGORIES
    from lotsen.demo import DEPARTMENTS as DEMO_DEPARTMENTS
    from lotsen.extensions import db
    from lotsen.triage.models import RoutingRule, user_categories

    rng = random.Random(SEED)
    app = bench_app(url)
    with app.app_context():
        db.session.execute(
            insert(Department),
            [
                {"name": name, "short_name": short, "email": email, "active": True}
                for name, short, email in DEMO_DEPARTMENTS
            ],
        )
        targets = {name: (hours, days) for name, _s, _d, hours, days in CATEGORIES}
        db.session.execute(
            insert(Category),
            [
                {
                    "name": name,
                    "help_text": help_text,
                    "sort_order": order * 10,
                    "active": True,
                    "target_first_response_hours": targets[name][0],
                    "target_resolution_days": targets[name][1],
                }
                for order, (name, help_text) in enumerate(DEMO_CATEGORIES, start=1)
            ],
        )
        departments = dict(db.session.execute(select(Department.name, Department.id)).all())
        categories = dict(db.session.execute(select(Category.name, Category.id)).all())
        db.session.execute(
            insert(RoutingRule),
            [
                {"category_id": categories[name], "department_id": departments[department]}
                for name, _share, department, _h, _d in CATEGORIES
            ],
        )
        password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        names = [(first, last) for last in LAST_NAMES for first in FIRST_NAMES]
        rng.shuffle(names)
        memberships, roles, handled = [], [], []
        people: list[tuple[dict, str, set[str]]] = []

        def add(department: str, role_set: set[str], active: bool, title: str) -> None:
            first, last = names.pop()
            email = f"{first}.{last}".lower().translate(str.maketrans("åäöé", "aaoe"))
            email = f"{email}{len(people)}@kommun.example"
            row = {
                "email": email,
                "name": f"{first} {last}",
                "title": title,
                "password_hash": password_hash,
                "session_nonce": f"nonce{len(people):027d}",
                "active": active,
                "deactivated_at": None if active else rng_past(rng),
            }
            people.append((row, department, role_set))

        for _coordinator in range(3):
            add("Näringsliv", {"coordinator", "official"}, True, "Företagslots, samordnare")
        add("Näringsliv", {"manager"}, True, "Näringslivschef")
        add("Näringsliv", {"admin"}, True, "Systemförvaltare")
        for department, count in STAFF.items():
            for _ in range(count):
                add(department, {"official"}, True, "Handläggare")
        for department in STAFF:
            for _ in range(FORMER_PER_DEPARTMENT):
                add(department, {"official"}, False, "Handläggare")
        db.session.execute(insert(User), [row for row, _d, _r in people])
        ids = dict(db.session.execute(select(User.email, User.id)).all())
        for row, department, role_set in people:
            user_id = ids[row["email"]]
            memberships.append({"user_id": user_id, "department_id": departments[department]})
            roles.extend({"user_id": user_id, "role": role} for role in sorted(role_set))
            if "official" in role_set:
                for name, _share, category_department, _h, _d in CATEGORIES:
                    if category_department == department or rng.random() < 0.08:
                        handled.append({"user_id": user_id, "category_id": categories[name]})
        db.session.execute(insert(UserRole), roles)
        db.session.execute(insert(user_departments), memberships)
        db.session.execute(insert(user_categories), handled)
        db.session.commit()
        db.engine.dispose()

    coordinators, officials, former = [], [], []
    capacity_rng = random.Random(SEED + 1)
    for row, department, role_set in people:
        person = Person(ids[row["email"]], row["name"], row["email"], department, row["active"])
        if "coordinator" in role_set:
            coordinators.append(person)
        elif "official" in role_set and row["active"]:
            person.capacity = capacity_rng.randint(12, 45)
            officials.append(person)
        elif "official" in role_set:
            former.append(person)
    for department, load in TIMED:
        person = next(p for p in officials if p.department == department and not p.timed)
        person.timed, person.capacity = True, load
    reference = {
        "departments": departments,
        "categories": [categories[name] for name, *_rest in CATEGORIES],
        "department_names": {value: key for key, value in departments.items()},
    }
    return People(coordinators, officials, former), reference


def rng_past(rng: random.Random) -> datetime:
    return datetime.now(UTC) - timedelta(days=rng.randint(30, YEARS_DAYS))


# --- Generating the rows -------------------------------------------------------------------------

CASE_COLUMNS = (
    "id", "number", "year", "serial", "status", "channel", "category_id", "company_id",
    "org_number", "company_name", "submitter_name", "submitter_email", "submitter_phone",
    "preferred_contact", "subject", "lead_id", "department_id", "received_at",
    "first_response_at", "answered_at", "closed_at", "updated_at", "privacy_acknowledged_at",
    "created_by_id", "version",
)  # fmt: skip
FIGURE_COLUMNS = (
    "case_id", "clock", "first_response_minutes", "handling_minutes", "paused_minutes",
    "calendar_days", "first_response_target_minutes", "resolution_target_minutes",
    "first_response_due_at", "resolution_due_at", "first_response_margin_minutes",
    "resolution_margin_minutes", "computed_at",
)  # fmt: skip
MESSAGE_COLUMNS = ("id", "case_id", "created_at", "author_id", "author_kind", "is_internal", "body")
EVENT_COLUMNS = (
    "id", "case_id", "created_at", "actor_id", "actor_kind", "kind", "from_status",
    "to_status", "reason", "details",
)  # fmt: skip
CONTRIBUTION_COLUMNS = (
    "id", "case_id", "contributor_id", "requested_by_id", "department_id", "question", "due_on",
    "state", "answer", "decline_reason", "created_at", "updated_at", "finished_at",
)  # fmt: skip
NOTIFICATION_COLUMNS = ("id", "user_id", "kind", "case_id", "text", "created_at", "read_at")
COMPANY_COLUMNS = (
    "id", "org_number", "registration_suffix", "is_personal", "name", "sort_name",
    "former_names", "legal_form", "street_address", "postal_code", "town", "municipality_code",
    "registered_on", "status", "source", "manually_edited_fields", "advertising_blocked",
    "created_at", "updated_at",
)  # fmt: skip
SNI_COLUMNS = ("id", "company_id", "code", "sni_version", "section", "is_primary", "position")
TABLES = {
    "companies": COMPANY_COLUMNS,
    "company_sni_codes": SNI_COLUMNS,
    "cases": CASE_COLUMNS,
    "case_figures": FIGURE_COLUMNS,
    "case_messages": MESSAGE_COLUMNS,
    "case_events": EVENT_COLUMNS,
    "case_contributions": CONTRIBUTION_COLUMNS,
    "notifications": NOTIFICATION_COLUMNS,
}


class Writer:
    """Values as both bulk loads take them: times as UTC text in SQLAlchemy's SQLite format
    (PostgreSQL reads it as a timestamptz in the loading session's UTC time zone)."""

    @staticmethod
    def time(moment: datetime | None) -> str | None:
        if moment is None:
            return None
        if moment.tzinfo is not UTC:
            moment = moment.astimezone(UTC)
        text = moment.isoformat(" ")  # faster than strftime(SQL_TIME); the same text
        return text[:26] if len(text) == 32 else text[:19] + ".000000"

    @staticmethod
    def day(value: date) -> str:
        return value.isoformat()

    @staticmethod
    def json(value) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)


def company_rows(plan: Plan, writer: Writer, first: int, count: int) -> dict[str, list]:
    from lotsen.companies.models import name_sort_key
    from lotsen.companies.sni import SNI_VERSION, sni_section

    rows: dict[str, list] = {"companies": [], "company_sni_codes": []}
    created = writer.time(plan.now - timedelta(days=400))
    for company_id in range(first, first + count):
        rng = random.Random(SEED * 7 + company_id)
        kind, code = rng.choice(NAME_KINDS)
        personal = rng.random() < 0.1
        if personal:
            born = date(1950, 1, 1) + timedelta(days=company_id // 1000)
            nine = born.strftime("%y%m%d") + f"{company_id % 1000:03d}"
            org_number = born.strftime("%Y")[:2] + nine + luhn_digit(nine)
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}s {kind.split()[0]}"
            legal_form = "EF"
        else:
            nine = f"{556000000 + company_id:09d}"
            org_number = nine + luhn_digit(nine)
            name = f"{rng.choice(NAME_WORDS)} {kind}"
            legal_form = "AB" if kind.endswith("AB") else "HB"
        town, postcode, municipality = rng.choice(TOWNS)
        rows["companies"].append(
            (
                company_id,
                org_number,
                0,
                personal,
                name,
                name_sort_key(name),
                "[]",
                legal_form,
                f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
                postcode,
                town,
                municipality,
                writer.day(date(1990, 1, 1) + timedelta(days=rng.randint(0, 12000))),
                "active",
                "bolagsverket",
                "[]",
                False,
                created,
                created,
            )
        )
        rows["company_sni_codes"].append(
            (company_id, company_id, code, SNI_VERSION, sni_section(code), True, 0)
        )
    return rows


def company_identity(company_id: int) -> tuple[str, str]:
    """(org number, name) of a generated company, as company_rows makes them."""
    rng = random.Random(SEED * 7 + company_id)
    kind, _code = rng.choice(NAME_KINDS)
    if rng.random() < 0.1:
        born = date(1950, 1, 1) + timedelta(days=company_id // 1000)
        nine = born.strftime("%y%m%d") + f"{company_id % 1000:03d}"
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}s {kind.split()[0]}"
        return born.strftime("%Y")[:2] + nine + luhn_digit(nine), name
    nine = f"{556000000 + company_id:09d}"
    return nine + luhn_digit(nine), f"{rng.choice(NAME_WORDS)} {kind}"


class CaseGenerator:
    """Cases with their history, in order of receipt, chunk by chunk (state kept between)."""

    def __init__(self, plan: Plan, people: People, reference: dict, writer: Writer):
        from lotsen.timekeeping.calendar import WorkingCalendar

        self.plan, self.people, self.writer = plan, people, writer
        self.reference = reference
        self.calendar = WorkingCalendar.from_config()
        self.rng = random.Random(SEED + plan.cases)
        self.serials: dict[int, int] = {}
        self.ids = {"message": 0, "event": 0, "contribution": 0, "notification": 0}
        self.category_weights = [share for _n, share, *_rest in CATEGORIES]
        self.channels, self.channel_weights = zip(*CHANNELS, strict=True)
        # Open cases younger than this (days, after the triage window) go to active officials.
        self.active_days = solve_window(plan.cases, plan.triage_days, 0.9 * people.capacity)
        self.timed = [p for p in people.officials if p.timed]
        self.others = [p for p in people.officials if not p.timed]
        self.coordinator = people.coordinators[0]
        self.department_ids = reference["departments"]
        self.counts = {"new": 0, "open": 0}
        self.lead_cases: dict[int, list[int]] = {}

    def next_id(self, kind: str) -> int:
        self.ids[kind] += 1
        return self.ids[kind]

    def received_at(self, case_id: int) -> datetime:
        """Spread evenly over the eight years (a little growth), mostly in office hours."""
        rng, plan = self.rng, self.plan
        share = (case_id - 1 + rng.random()) / plan.cases
        share = (math.sqrt(1 + 0.2 * share * (2 + 0.2)) - 1) / 0.2 if share else 0.0
        moment = plan.start + timedelta(days=YEARS_DAYS * min(share, 1.0))
        local = moment.astimezone(STOCKHOLM)
        if local.weekday() < 5 and rng.random() < 0.85:
            minute = rng.randint(8 * 60, 16 * 60 + 59)
            local = datetime.combine(
                local.date(), clock_time(minute // 60, minute % 60, rng.randint(0, 59)), STOCKHOLM
            )
        moment = local.astimezone(UTC).replace(microsecond=rng.randint(0, 999_999))
        return min(moment, plan.now - timedelta(seconds=case_id % 600 + 1))

    def final_status(self, age_days: float) -> str:
        rng = self.rng
        if rng.random() < open_share(age_days):
            if age_days < self.plan.triage_days:
                return "new"
            return rng.choices(["assigned", "in_progress", "waiting_for_company"], [15, 55, 30])[0]
        roll = rng.random()
        if roll < 0.04:
            return "withdrawn"
        return "answered" if roll < 0.34 else "closed"

    def pick_lead(self, status: str, age_days: float, department: str) -> Person | None:
        rng = self.rng
        if status == "new":
            return None
        if status in ("assigned", "in_progress", "waiting_for_company"):
            if age_days < self.plan.triage_days + self.active_days:
                for pool in (self.timed, self.others):
                    free = [p for p in pool if p.load < p.capacity]
                    if free:
                        same = [p for p in free if p.department == department]
                        person = rng.choice(same or free)
                        person.load += 1
                        return person
            return rng.choice(self.people.former)
        members = self.people.by_department.get(department) or self.people.officials
        return rng.choice(members)

    def steps(self, received: datetime, status: str) -> list[tuple[datetime, str]]:
        """The status changes up to `status` (working-time gaps; squeezed into the time there
        was when they would run past now)."""
        from lotsen.timekeeping.calendar import add_working_minutes

        rng = self.rng
        if status == "new":
            return []
        path = ["assigned"]
        if status == "withdrawn":
            path.append("withdrawn")
        elif status != "assigned":
            path.append("in_progress")
            waited = status == "waiting_for_company" or rng.random() < 0.3
            if waited:
                path.append("waiting_for_company")
                if status != "waiting_for_company":
                    path.append("in_progress")
            if status in ("answered", "closed"):
                path.append("answered")
            if status == "closed":
                path.append("closed")
        medians = {
            "assigned": 90,
            "in_progress": 240,
            "waiting_for_company": 400,
            "answered": 900,
            "closed": 1500,
            "withdrawn": 600,
        }
        changes, at = [], received
        for to in path:
            minutes = max(1, int(rng.lognormvariate(math.log(medians[to]), 0.9)))
            at = add_working_minutes(at, min(minutes, 30_000), self.calendar)
            changes.append((at, to))
        limit = self.plan.now - timedelta(minutes=1)
        if changes[-1][0] > limit:  # squeeze into the time there was
            span = (limit - received) / (len(changes) + 1)
            changes = [(received + span * (n + 1), to) for n, (_at, to) in enumerate(changes)]
        return changes

    def chunk(self, first: int, count: int) -> dict[str, list]:
        rows = {name: [] for name in TABLES if not name.startswith("compan")}
        for case_id in range(first, first + count):
            self.case(case_id, rows)
        return rows

    def case(self, case_id: int, rows: dict[str, list]) -> None:
        from lotsen.cases.numbering import format_case_number
        from lotsen.timekeeping.figures import CaseClockInput, StatusChange, compute_figures

        rng, plan, w = self.rng, self.plan, self.writer
        received = self.received_at(case_id)
        age_days = (plan.now - received).total_seconds() / 86400
        category_index = rng.choices(range(len(CATEGORIES)), self.category_weights)[0]
        _name, _share, department, hours, days = CATEGORIES[category_index]
        if rng.random() < 0.15:
            department = rng.choice(list(STAFF))
        status = self.final_status(age_days)
        lead = self.pick_lead(status, age_days, department)
        if lead is not None and status in ("assigned", "in_progress", "waiting_for_company"):
            department = lead.department
        changes = self.steps(received, status)
        year = received.astimezone(STOCKHOLM).year
        serial = self.serials[year] = self.serials.get(year, 0) + 1
        number = format_case_number(year, serial)
        subject = rng.choice(SUBJECTS)
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first_name}.{last_name}{case_id % 97}@foretag.example".lower()
        if rng.random() < 0.75:
            company_id = min(plan.companies, int(plan.companies * rng.random() ** 1.6) + 1)
            org_number, company_name = company_identity(company_id)
        else:
            company_id, org_number = None, None
            company_name = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_KINDS)[0]}"
        channel = rng.choices(self.channels, self.channel_weights)[0]

        # Messages and events, as the services write them.
        events, messages = [], []
        lead_id = lead.id if lead else None

        def event(at, actor_id, actor_kind, kind, before=None, after=None, reason=None, **details):
            events.append(
                (
                    self.next_id("event"),
                    case_id,
                    w.time(at),
                    actor_id,
                    actor_kind,
                    kind,
                    before,
                    after,
                    reason,
                    w.json(details or None),
                )
            )

        def message(at, author_id, author_kind, body, internal=False):
            message_id = self.next_id("message")
            messages.append(
                (message_id, case_id, w.time(at), author_id, author_kind, internal, body)
            )
            return message_id

        message(received, None, "submitter", rng.choice(QUESTIONS))
        event(received, None, "submitter", "created", channel=channel)
        first_response = answered = closed = None
        previous = "new"
        for at, to in changes:
            if to == "assigned":
                event(at, self.coordinator.id, "official", "status", previous, to)
                event(
                    at,
                    self.coordinator.id,
                    "official",
                    "assigned",
                    lead_id=lead_id,
                    lead=lead.name,
                    previous_lead_id=None,
                    previous_lead=None,
                    how="manual",
                )
                rows["notifications"].append(
                    (
                        self.next_id("notification"),
                        lead_id,
                        "assigned",
                        case_id,
                        f"Du är lots för {number}: {subject}",
                        w.time(at),
                        None if age_days < 14 and status not in FINISHED else w.time(at),
                    )
                )
            elif to in ("waiting_for_company", "answered"):
                reply_id = message(at, lead_id, "official", rng.choice(REPLIES))
                event(at, lead_id, "official", "reply", message_id=reply_id)
                first_response = first_response or at
                event(at, lead_id, "official", "status", previous, to)
                if to == "answered":
                    answered = at
            elif to == "in_progress" and previous == "waiting_for_company":
                reply_id = message(at, None, "submitter", rng.choice(QUESTIONS))
                event(at, None, "submitter", "submitter_reply", message_id=reply_id)
                event(at, None, "submitter", "status", previous, to)
            else:
                event(at, lead_id, "official", "status", previous, to)
                if to == "closed":
                    closed = at
            previous = to
        if len(changes) >= 2 and rng.random() < 0.35:
            at = changes[0][0] + (changes[1][0] - changes[0][0]) / 2
            note_id = message(at, lead_id, "official", rng.choice(NOTES), internal=True)
            event(at, lead_id, "official", "note", message_id=note_id)
        if len(changes) >= 2 and status != "withdrawn" and rng.random() < 0.38:
            self.contributions(case_id, status, lead, department, changes, rows, event)
        events.sort(key=lambda row: row[2])  # ids in time order, as the services write them
        events = [
            (event_id, *row[1:])
            for event_id, row in zip(sorted(r[0] for r in events), events, strict=True)
        ]

        figures = compute_figures(
            CaseClockInput(
                received,
                first_response,
                [StatusChange(at, to) for at, to in changes],
                hours,
                days,
            ),
            self.calendar,
            plan.now,
        )
        updated = changes[-1][0] if changes else received
        rows["cases"].append(
            (
                case_id,
                number,
                year,
                serial,
                status,
                channel,
                self.reference["categories"][category_index],
                company_id,
                org_number,
                company_name,
                f"{first_name} {last_name}",
                email,
                None,
                "email",
                subject,
                lead_id,
                self.department_ids[department],
                w.time(received),
                w.time(first_response),
                w.time(answered),
                w.time(closed),
                w.time(updated),
                w.time(received) if channel == "web" else None,
                None,
                1,
            )
        )
        rows["case_figures"].append(
            (
                case_id,
                figures.clock,
                figures.first_response_minutes,
                figures.handling_minutes,
                figures.paused_minutes,
                figures.calendar_days,
                figures.first_response_target_minutes,
                figures.resolution_target_minutes,
                w.time(figures.first_response_due_at),
                w.time(figures.resolution_due_at),
                figures.first_response_margin_minutes,
                figures.resolution_margin_minutes,
                w.time(figures.computed_at),
            )
        )
        rows["case_messages"].extend(messages)
        rows["case_events"].extend(events)
        if status == "new":
            self.counts["new"] += 1
        if status in ("new", "assigned", "in_progress", "waiting_for_company"):
            self.counts["open"] += 1
            if lead is not None and lead.active:
                self.lead_cases.setdefault(lead.id, []).append(case_id)

    def contributions(self, case_id, status, lead, department, changes, rows, event) -> None:
        rng, w = self.rng, self.writer
        still_open = status in ("assigned", "in_progress", "waiting_for_company")
        ongoing = still_open and lead is not None and lead.active
        asked_at = changes[0][0] + (changes[1][0] - changes[0][0]) / 3
        pool = self.people.officials if ongoing else self.people.officials + self.people.former
        for _ in range(1 if rng.random() < 0.7 else 2):
            others = [p for p in pool if p.department != department]
            contributor = rng.choice(others)
            due = (asked_at.astimezone(STOCKHOLM) + timedelta(days=7)).date()
            if ongoing and rng.random() < 0.7:
                state, finished = "requested", None
            else:
                state = "declined" if rng.random() < 0.12 else "done"
                finished = asked_at + (changes[-1][0] - asked_at) / 2
            rows["case_contributions"].append(
                (
                    self.next_id("contribution"),
                    case_id,
                    contributor.id,
                    lead.id,
                    self.department_ids[contributor.department],
                    rng.choice(CONTRIBUTION_QUESTIONS),
                    w.day(due),
                    state,
                    rng.choice(CONTRIBUTION_ANSWERS) if state == "done" else "",
                    "Frågan hör inte till vår avdelning." if state == "declined" else None,
                    w.time(asked_at),
                    w.time(finished or asked_at),
                    w.time(finished),
                )
            )
            event(
                asked_at,
                lead.id,
                "official",
                "contribution_requested",
                contributor=contributor.name,
                contributor_id=contributor.id,
                due_on=due.isoformat(),
                department=contributor.department,
            )
            if finished is not None:
                kind = "contribution_done" if state == "done" else "contribution_declined"
                event(finished, contributor.id, "official", kind, contributor=contributor.name)


FINISHED = {"answered", "closed", "withdrawn", "spam"}


# --- Loading -------------------------------------------------------------------------------------


def progress(text: str, start: float) -> None:
    print(f"\r  {text} ({time.perf_counter() - start:.0f} s)", end="", file=sys.stderr, flush=True)


class SqliteLoader:
    def __init__(self, url: str):
        self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-200000")
        self.statements = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
            for table, columns in TABLES.items()
        }
        self.conn.execute("BEGIN")
        self.pending = 0

    def write(self, rows: dict[str, list]) -> None:
        for table, values in rows.items():
            self.conn.executemany(self.statements[table], values)
            self.pending += len(values)
        if self.pending > 200_000:
            self.conn.execute("COMMIT")
            self.conn.execute("BEGIN")
            self.pending = 0

    def finish(self, counters: dict[int, int]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO case_counters (year, last_serial) VALUES (?, ?)",
            counters.items(),
        )
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.close()


class PostgresLoader:
    def __init__(self, url: str):
        self.conn = psycopg.connect(url)
        self.cursor = self.conn.cursor()
        self.cursor.execute("SET TIME ZONE 'UTC'")  # the generated times are UTC text

    def write(self, rows: dict[str, list]) -> None:
        for table, values in rows.items():
            if not values:
                continue
            columns = ", ".join(TABLES[table])
            with self.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)

    def finish(self, counters: dict[int, int]) -> None:
        self.cursor.executemany(
            "INSERT INTO case_counters (year, last_serial) VALUES (%s, %s) "
            "ON CONFLICT (year) DO UPDATE SET last_serial = excluded.last_serial",
            list(counters.items()),
        )
        for table in TABLES:
            if "id" not in TABLES[table]:
                continue
            self.cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        self.conn.commit()
        self.conn.autocommit = True
        for table in TABLES:
            self.conn.execute(f"VACUUM ANALYZE {table}")
        self.conn.close()


class Cache:
    """The rows generated for the first database of a size, replayed into the second."""

    def __init__(self, folder: str):
        self.path = os.path.join(folder, "rows.pickle")
        self.generator: CaseGenerator | None = None


def load(kind: str, url: str, plan: Plan, cache: Cache) -> tuple[CaseGenerator, float]:
    """Fill the database; returns the generator (its people and counts) and the seconds."""
    people, reference = create_reference_data(url)
    writer = Writer()
    loader = SqliteLoader(url) if kind == "sqlite" else PostgresLoader(url)
    start = time.perf_counter()
    if cache.generator is not None:  # the same rows as the first database got
        generator = cache.generator
        assert [p.id for p in people.officials] == [p.id for p in generator.people.officials]
        with open(cache.path, "rb") as file:
            done = 0
            while True:
                try:
                    rows = pickle.load(file)
                except EOFError:
                    break
                loader.write(rows)
                done += len(rows.get("cases", ()))
                progress(f"{kind}: {done:,} / {plan.cases:,} cases", start)
        loader.finish(generator.serials)
        print(file=sys.stderr)
        return generator, time.perf_counter() - start
    with open(cache.path, "wb") as file:
        for first in range(1, plan.companies + 1, CHUNK * 4):
            count = min(CHUNK * 4, plan.companies - first + 1)
            rows = company_rows(plan, writer, first, count)
            loader.write(rows)
            pickle.dump(rows, file, pickle.HIGHEST_PROTOCOL)
        generator = CaseGenerator(plan, people, reference, writer)
        for first in range(1, plan.cases + 1, CHUNK):
            rows = generator.chunk(first, min(CHUNK, plan.cases - first + 1))
            loader.write(rows)
            pickle.dump(rows, file, pickle.HIGHEST_PROTOCOL)
            done = min(first + CHUNK - 1, plan.cases)
            progress(f"{kind}: {done:,} / {plan.cases:,} cases", start)
    loader.finish(generator.serials)
    cache.generator = generator
    print(file=sys.stderr)
    return generator, time.perf_counter() - start


# --- Timing --------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def logged_in(app, email: str):
    client = app.test_client()
    page = client.get("/konto/logga-in").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    response = client.post(
        "/konto/logga-in", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 302, f"log-in as {email} failed"
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Request:
    client: object
    path: str
    markers: tuple[str, ...]
    rows: int | None = None  # table rows the page must show (the case list)


def planned_requests(app, generator: CaseGenerator, count: int) -> dict[str, list[Request]]:
    from sqlalchemy import select

    from lotsen.cases.models import Case
    from lotsen.companies.models import Company
    from lotsen.extensions import db

    rng = random.Random(SEED + 99)
    plan = generator.plan
    coordinator = logged_in(app, generator.coordinator.email)
    # Officials with open cases (in a tiny smoke run some of them have none yet).
    loaded = [p for p in generator.timed if p.load] or generator.timed
    timed = [(p, logged_in(app, p.email)) for p in loaded]
    page_size = app.config["PAGE_SIZE"]
    with app.app_context():
        case_ids = [rng.randint(1, plan.cases) for _ in range(count)]
        cases = {
            row.id: row
            for row in db.session.execute(
                select(Case.id, Case.number, Case.company_id).where(Case.id.in_(case_ids))
            )
        }
        company_ids, probe = [], 0
        while len(company_ids) < count:  # companies reached through random cases
            probe += 1
            case_id = random.Random(SEED + probe).randint(1, plan.cases)
            found = db.session.scalar(select(Case.company_id).where(Case.id == case_id))
            if found:
                company_ids.append(found)
        names = dict(
            db.session.execute(
                select(Company.id, Company.name).where(Company.id.in_(company_ids))
            ).all()
        )
        db.session.remove()
    requests = {
        "triage": [
            Request(coordinator, "/fordelning/", ('class="table triage-table"',))
            for _ in range(count)
        ],
        "my cases": [],
        "case": [
            Request(
                coordinator,
                f"/arenden/{case_id}",
                (f"<h1>{cases[case_id].number}: ", 'id="team-heading"'),
            )
            for case_id in case_ids
        ],
        "company": [],
    }
    for index in range(count):
        person, client = timed[index % len(timed)]
        requests["my cases"].append(
            Request(
                client,
                "/arenden/?scope=mine",
                ('aria-current="page">Mina ärenden',),
                rows=min(person.load, page_size),
            )
        )
        company_id = company_ids[index]
        requests["company"].append(
            Request(
                timed[0][1],
                f"/foretag/{company_id}",
                (f"<h1>{escape(names[company_id])}</h1>", 'id="company-cases-heading"'),
            )
        )
    return requests


def escape(text: str) -> str:
    from markupsafe import escape as html_escape

    return str(html_escape(text))


@dataclass
class Target:
    """One filled database of one size, with its app and the requests planned for it."""

    kind: str
    size: int
    url: str
    generator: CaseGenerator
    app: object = None
    requests: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)
    queries: dict = field(default_factory=dict)


def time_pages(targets: list[Target], count: int) -> None:
    """Time every page on every database, interleaved: round after round, each target gets one
    request in a shuffled order, so that the load of a shared machine falls on every size
    alike. Records the milliseconds and SQL statements of each request."""
    from sqlalchemy import event

    from lotsen.extensions import db

    statements = [0]

    def counted(*_args):
        statements[0] += 1

    engines = []
    for target in targets:
        target.app = bench_app(target.url)
        with target.app.app_context():
            engines.append(db.engine)
        target.requests = planned_requests(target.app, target.generator, count)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", counted)
    rng = random.Random(SEED + 7)
    try:
        for page in PAGES:
            print(f"timing {page} …", file=sys.stderr, flush=True)
            for target in targets:  # warm-up, not counted
                for request in target.requests[page][:5]:
                    request.client.get(request.path)
                target.times[page], target.queries[page] = [], []
            for index in range(count):
                order = list(targets)
                rng.shuffle(order)
                for target in order:
                    request = target.requests[page][index]
                    statements[0] = 0
                    start = time.perf_counter()
                    response = request.client.get(request.path)
                    elapsed = (time.perf_counter() - start) * 1000
                    target.queries[page].append(statements[0])
                    check(page, request, response)
                    target.times[page].append(elapsed)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", counted)
            engine.dispose()


def figures_of(target: Target) -> dict[str, dict]:
    return {
        page: {
            "p50": statistics.median(times),
            "p95": percentile(times, 0.95),
            "max": max(times),
            "queries": sorted(set(target.queries[page])),
        }
        for page, times in target.times.items()
    }


def check(page: str, request: Request, response) -> None:
    body = response.get_data(as_text=True)
    problem = None
    if response.status_code != 200:
        problem = f"status {response.status_code}"
    elif missing := [marker for marker in request.markers if marker not in body]:
        problem = f"missing {missing}"
    elif request.rows == 0 and "Du har inga öppna ärenden som lots" not in body:
        problem = "no empty state"
    elif request.rows:
        table = body.split("<tbody>", 1)[-1].split("</tbody>", 1)[0]
        if table.count("<tr>") != request.rows:
            problem = f"{table.count('<tr>')} rows instead of {request.rows}"
    if problem:
        raise SystemExit(f"{page} {request.path}: {problem}")


# --- Report --------------------------------------------------------------------------------------


def describe(generator: CaseGenerator, url: str) -> str:
    from sqlalchemy import func, select

    from lotsen.extensions import db

    app = bench_app(url)
    with app.app_context():
        counts = {
            table: db.session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
            for table in TABLES
        }
        db.engine.dispose()
    cases = counts["cases"]
    loads = sorted(p.load for p in generator.timed)
    return (
        f"{counts['companies']:,} companies, {generator.counts['open']:,} open cases "
        f"({generator.counts['open'] / cases:.1%}), {generator.counts['new']} to triage; "
        f"per case {counts['case_events'] / cases:.1f} events, "
        f"{counts['case_messages'] / cases:.1f} messages, "
        f"{counts['case_contributions'] / cases:.2f} contributions, "
        f"{counts['notifications'] / cases:.2f} notifications; "
        f"timed officials lead {loads[0]}-{loads[-1]} open cases"
    )


def queries_text(values: list[int]) -> str:
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


def report(kind: str, results: dict[int, dict]) -> None:
    sizes = sorted(results)
    print(f"\n{kind}: server-side time per request (ms) and SQL statements per request")
    header = f"  {'page':9} {'cases':>10} {'p50':>8} {'p95':>8} {'max':>8} {'queries':>8}"
    print(header)
    for page in PAGES:
        for size in sizes:
            row = results[size][page]
            print(
                f"  {page:9} {size:10,} {row['p50']:8.1f} {row['p95']:8.1f} {row['max']:8.1f}"
                f" {queries_text(row['queries']):>8}"
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"  p95({large:,}) / p95({small:,}), target <= 1.5 (and the same for p50):")
        for page in PAGES:
            ratio = results[large][page]["p95"] / results[small][page]["p95"]
            median = results[large][page]["p50"] / results[small][page]["p50"]
            verdict = "ok" if ratio <= 1.5 else "ABOVE TARGET"
            print(f"    {page:9} {ratio:5.2f}  {verdict:12} (p50 {median:4.2f})")
    for page in PAGES:
        counts = {tuple(results[size][page]["queries"]) for size in sizes}
        same = len(counts) == 1 and len(next(iter(counts))) == 1
        verdict = "the same at every size" if same else "DIFFERENT"
        print(f"  {page}: SQL statements per request {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--cases", default="10000,100000,1000000", help="comma-separated sizes")
    parser.add_argument(
        "--db", "--database", choices=["sqlite", "postgresql", "both"], default="both"
    )
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.cases.split(",") if size.strip()]
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    targets: list[Target] = []
    with ExitStack() as stack:  # every database stays until all are timed
        for size in sizes:
            plan = Plan(size, now)
            cache = Cache(tempfile.mkdtemp(prefix="lotsen-bench-rows-"))
            for kind in kinds:
                print(f"{kind}: loading {size:,} cases …", file=sys.stderr, flush=True)
                url = stack.enter_context(fresh_database(kind))
                if kind == "sqlite":
                    folder = os.path.dirname(url.removeprefix("sqlite:///"))
                    stack.callback(shutil.rmtree, folder, True)
                generator, seconds = load(kind, url, plan, cache)
                print(f"{kind}: {size:,} cases loaded in {seconds:.0f} s")
                print(f"  {describe(generator, url)}", flush=True)
                targets.append(Target(kind, size, url, generator))
            shutil.rmtree(os.path.dirname(cache.path), True)
        time_pages(targets, args.requests)
    results = {kind: {t.size: figures_of(t) for t in targets if t.kind == kind} for kind in kinds}
    for kind in kinds:
        report(kind, results[kind])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "case-pages.json"), "w", encoding="utf-8") as file:
        json.dump(results, file, indent=1)
    failed = False
    for kind in kinds:
        for page in PAGES:
            counts = {tuple(results[kind][size][page]["queries"]) for size in results[kind]}
            failed = failed or len(counts) != 1 or len(next(iter(counts))) != 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
