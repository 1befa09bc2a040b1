"""Demo saved replies: answers the team writes again and again, per category and general."""

from sqlalchemy import select

from lotsen.cases.models import Category
from lotsen.extensions import db
from lotsen.replies import services
from lotsen.replies.models import SavedReply

# (title, category name or None for every category, text)
DEMO_REPLIES = [
    (
        "Bekräftelse: vi har börjat titta på frågan",
        None,
        "Hej {kontaktperson}!\n\nTack för din fråga om {ämne}. Jag heter {handläggare} och är "
        "lots för ärende {ärendenummer}. Vi återkommer med ett samlat svar senast "
        "{förfallodatum}.\n\nVänliga hälsningar\n{handläggare}",
    ),
    (
        "Vi behöver fler uppgifter",
        None,
        "Hej {kontaktperson}!\n\nFör att kunna svara {företag} behöver vi veta lite mer: "
        "adressen till lokalen, när ni vill öppna och ungefär hur många besökare ni räknar "
        "med. Svara gärna via länken i mejlet, så hamnar svaret i ärende {ärendenummer}.",
    ),
    (
        "Bygglov: ändrad användning av lokal",
        "Bygglov och lokaler",
        "Hej {kontaktperson}!\n\nOm lokalen ska användas till något annat än den är "
        "godkänd för behöver {företag} oftast söka bygglov för ändrad användning. Ansökan "
        "görs i kommunens e-tjänst och ska innehålla planritning, fasadritning om fasaden "
        "ändras och en beskrivning av verksamheten. Handläggningstiden är högst tio veckor "
        "från komplett ansökan.",
    ),
    (
        "Livsmedel: registrering av anläggning",
        "Livsmedel och servering",
        "Hej {kontaktperson}!\n\nEn livsmedelsanläggning ska registreras hos miljö- och "
        "hälsoskyddsenheten senast två veckor innan verksamheten startar. Registreringen "
        "görs i e-tjänsten och kostar en avgift enligt kommunens taxa. Vi besöker ofta nya "
        "verksamheter under det första året.",
    ),
    (
        "Serveringstillstånd: så söker ni",
        "Livsmedel och servering",
        "Hej {kontaktperson}!\n\nFör att servera alkohol behöver {företag} "
        "serveringstillstånd. Ansökan handläggs av tillståndsenheten och tar normalt "
        "åtta veckor. Den som ansvarar för serveringen ska ha klarat kunskapsprovet i "
        "alkohollagen. Vi hjälper gärna till att boka ett möte med handläggaren.",
    ),
    (
        "Mark: lediga verksamhetstomter",
        "Mark och etablering",
        "Hej {kontaktperson}!\n\nKommunen har just nu lediga verksamhetstomter i "
        "Norra industriområdet. Kontakta mark- och exploateringsenheten för en "
        "tomtvisning; ange ärende {ärendenummer} så vet de vad det gäller.",
    ),
    (
        "Starta företag: första stegen",
        "Starta eller ta över företag",
        "Hej {kontaktperson}!\n\nVälkommen som företagare i kommunen! Börja med att "
        "registrera företaget hos Bolagsverket och Skatteverket via verksamt.se. Sedan "
        "hjälper vi er att reda ut vilka tillstånd just er verksamhet behöver.",
    ),
]


def load_demo_replies(actor=None) -> int:
    """Create the demo templates that are missing (by title); returns how many were added."""
    categories = {c.name: c.id for c in db.session.scalars(select(Category))}
    existing = set(db.session.scalars(select(SavedReply.title)))
    added = 0
    for title, category, body in DEMO_REPLIES:
        if title in existing or (category is not None and category not in categories):
            continue
        category_id = categories[category] if category is not None else None
        services.create_saved_reply(actor, services.ReplyInput(title, body, category_id))
        added += 1
    return added
