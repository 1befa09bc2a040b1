"""Demo data that looks like a real Swedish municipality's liaison team."""

from sqlalchemy import select

from lotsen.accounts import services as accounts
from lotsen.accounts.models import Department, Role
from lotsen.admin import services as admin
from lotsen.cases.models import Category
from lotsen.companies.demo import load_demo_companies
from lotsen.extensions import db
from lotsen.triage.demo import load_demo_routing

DEMO_PASSWORD = "lotsen-demo-2026"

DEPARTMENTS = [
    ("Näringsliv", "NÄR", "naringsliv@kommun.example"),
    ("Bygglov", "BYGG", "bygglov@kommun.example"),
    ("Miljö och hälsa", "MHS", "miljo@kommun.example"),
    ("Livsmedel", "LIVS", "livsmedel@kommun.example"),
    ("Mark och exploatering", "MEX", "mark@kommun.example"),
    ("Trafik och gata", "TRAF", "trafik@kommun.example"),
    ("Upphandling", "UPPH", "upphandling@kommun.example"),
    ("Tillstånd (alkohol och tobak)", "TILL", "tillstand@kommun.example"),
]

CATEGORIES = [
    (
        "Starta eller ta över företag",
        "Frågor om vilka tillstånd och anmälningar som behövs "
        "när du startar, köper eller tar över en verksamhet.",
    ),
    (
        "Bygglov och lokaler",
        "Ombyggnad, ändrad användning av en lokal, skyltar, marklov och rivning.",
    ),
    (
        "Livsmedel och servering",
        "Registrering av livsmedelsanläggning, serveringstillstånd och uteservering.",
    ),
    (
        "Miljö och hälsoskydd",
        "Anmälan av miljöfarlig verksamhet, buller, avfall, köldmedier och hygienlokaler.",
    ),
    (
        "Mark och etablering",
        "Köpa eller arrendera kommunal mark, tomter för verksamheter och detaljplaner.",
    ),
    (
        "Trafik, gata och torg",
        "Upplåtelse av offentlig plats, tillfälliga trafikanordningar och transporter.",
    ),
    ("Upphandling", "Hur kommunen köper in och hur ditt företag kan lämna anbud."),
    ("Övrigt", "Allt som inte passar någon annan kategori. Vi ser till att rätt person svarar."),
]

# (name, e-mail, title, roles, departments)
OFFICIALS = [
    ("Maria Ek", "admin@kommun.example", "Systemförvaltare", {Role.ADMIN}, ["Näringsliv"]),
    (
        "Karin Lindqvist",
        "karin.lindqvist@kommun.example",
        "Företagslots",
        {Role.COORDINATOR, Role.OFFICIAL},
        ["Näringsliv"],
    ),
    (
        "Helena Berg",
        "helena.berg@kommun.example",
        "Näringslivschef",
        {Role.MANAGER},
        ["Näringsliv"],
    ),
    (
        "Erik Johansson",
        "erik.johansson@kommun.example",
        "Bygglovshandläggare",
        {Role.OFFICIAL},
        ["Bygglov"],
    ),
    (
        "Sara Nilsson",
        "sara.nilsson@kommun.example",
        "Miljöinspektör",
        {Role.OFFICIAL},
        ["Miljö och hälsa"],
    ),
    (
        "Ahmed Hassan",
        "ahmed.hassan@kommun.example",
        "Livsmedelsinspektör",
        {Role.OFFICIAL},
        ["Livsmedel", "Miljö och hälsa"],
    ),
    (
        "Johanna Svensson",
        "johanna.svensson@kommun.example",
        "Mark- och exploateringsingenjör",
        {Role.OFFICIAL},
        ["Mark och exploatering"],
    ),
    (
        "Lars Andersson",
        "lars.andersson@kommun.example",
        "Trafikingenjör",
        {Role.OFFICIAL},
        ["Trafik och gata"],
    ),
]


def load_demo_data() -> list[tuple[str, str, str]]:
    """Create what is missing; returns (name, e-mail, roles) of the demo log-ins."""
    departments = {}
    for name, short, email in DEPARTMENTS:
        existing = db.session.scalar(select(Department).where(Department.name == name))
        departments[name] = existing or admin.save_department(
            None, None, name=name, short_name=short, email=email, active=True
        )
    for order, (name, help_text) in enumerate(CATEGORIES, start=1):
        if db.session.scalar(select(Category).where(Category.name == name)) is None:
            admin.save_category(
                None, None, name=name, help_text=help_text, sort_order=order * 10, active=True
            )
    logins = []
    for name, email, title, roles, department_names in OFFICIALS:
        if accounts.find_user_by_email(email) is None:
            data = accounts.UserData(
                email=email,
                name=name,
                title=title,
                roles=roles,
                departments=[departments[d] for d in department_names],
            )
            accounts.create_user(None, data, password=DEMO_PASSWORD)
        role_text = ", ".join(sorted(str(role.label) for role in roles))
        logins.append((name, email, role_text))
    db.session.flush()
    load_demo_companies()
    load_demo_routing()
    from lotsen.replies.demo import load_demo_replies

    load_demo_replies()
    return logins
