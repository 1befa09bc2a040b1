"""The English translation: complete, consistent with the source, compiled, and used by the app.

The interface strings are written in Swedish in the source (the default locale). The English
catalogue lotsen/translations/en/LC_MESSAGES/messages.po must translate every one of them; after
adding strings run scripts/update-translations, translate, then scripts/compile-translations.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from markupsafe import escape

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "lotsen" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO_FILE = PO_FILE.with_suffix(".mo")
LOGIN_URL = "/konto/logga-in"

# printf-style conversions as Python's % operator reads them: %(name)s, %d, %.1f, %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


def source_messages() -> dict[tuple[str, str | None], list[str]]:
    """Every msgid in lotsen/ and templates/ (per babel.cfg): {(msgid, context): places}."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def english_catalogue():
    with open(PO_FILE, "rb") as handle:
        return read_po(handle)


def translations_of(message) -> list[str]:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return list(strings)


def msgids_of(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


# The catalogue


def test_extraction_reads_python_html_and_mail_templates():
    messages = source_messages()
    files = {place.rsplit(":", 1)[0] for places in messages.values() for place in places}
    assert "lotsen/accounts/forms.py" in files  # lazy _l() labels and validation messages
    assert "templates/base.html" in files  # {{ _("…") }}
    assert "templates/mail/password_link.txt" in files  # plain-text mail
    template_msgids_with_placeholders = [
        msgid
        for (msgid, _context), places in messages.items()
        if "%(" in msgid and any(place.startswith("templates/") for place in places)
    ]
    assert template_msgids_with_placeholders  # _("… %(name)s", name=…)


def test_every_source_string_has_an_english_translation():
    catalogue = english_catalogue()
    missing = []
    for (msgid, context), places in sorted(source_messages().items()):
        entry = catalogue.get(msgid, context=context)
        if entry is None:
            missing.append(f"{msgid!r} (not in the catalogue; {places[0]})")
        elif entry.fuzzy:
            missing.append(f"{msgid!r} (marked fuzzy: review it; {places[0]})")
        elif not all(text.strip() for text in translations_of(entry)):
            missing.append(f"{msgid!r} (empty translation; {places[0]})")
    assert not missing, (
        f"{len(missing)} Swedish string(s) lack an English translation in {PO_FILE}. "
        "Run scripts/update-translations, translate them, then scripts/compile-translations:\n"
        + "\n".join(missing)
    )


def test_catalogue_as_a_whole_is_not_fuzzy():
    # pybabel compile silently skips a catalogue whose header is marked fuzzy.
    assert not english_catalogue().fuzzy, f"remove '#, fuzzy' from the header of {PO_FILE}"


def test_translations_keep_the_placeholders_of_their_msgid():
    mismatched = []
    for entry in english_catalogue():
        if not entry.id:
            continue
        expected = placeholders(msgids_of(entry)[-1])
        for text in translations_of(entry):
            if text and placeholders(text) != expected:
                mismatched.append(
                    f"{msgids_of(entry)[0]!r} -> {text!r}: expected "
                    f"{sorted(expected.elements())}, found {sorted(placeholders(text).elements())}"
                )
    assert not mismatched, "placeholders differ from the msgid:\n" + "\n".join(mismatched)


def test_placeholder_pattern_reads_printf_conversions():
    assert placeholders("%(name)s har %(n)d av %d, 100 %%") == Counter(
        ["%(name)s", "%(n)d", "%d", "%%"]
    )


def test_compiled_catalogue_exists_and_is_up_to_date():
    hint = "run scripts/compile-translations"
    assert MO_FILE.exists(), f"{MO_FILE} is missing: {hint}"
    assert MO_FILE.stat().st_mtime >= PO_FILE.stat().st_mtime, (
        f"{MO_FILE.name} is older than {PO_FILE.name}: {hint}"
    )
    with open(MO_FILE, "rb") as handle:
        compiled = read_mo(handle)
    stale = [
        entry.id
        for entry in english_catalogue()
        if entry.id and not entry.fuzzy and compiled.get(entry.id, context=entry.context) is None
    ]
    assert not stale, f"{MO_FILE.name} lacks {len(stale)} message(s) of the .po: {hint}"


# The app


def choose_language(client, language: str, next_url: str = LOGIN_URL):
    return client.submit("/sprak", {"language": language, "next": next_url}, page_url=next_url)


def page_text(client, url: str = LOGIN_URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_page_is_swedish_by_default(client):
    html = page_text(client)
    assert '<html lang="sv">' in html
    assert "Logga in i Lotsen" in html
    assert "Logga in" in html
    assert "E-postadress" in html
    assert ">English</button>" in html


def test_choosing_english_translates_the_page(client):
    response = choose_language(client, "en")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(LOGIN_URL)

    html = page_text(client)
    assert '<html lang="en">' in html
    assert "Log in to Lotsen" in html
    assert "Email address" in html
    assert "Forgotten your password?" in html
    assert "Skip to content" in html
    assert "Logga in i Lotsen" not in html
    assert ">Svenska</button>" in html


def test_choosing_swedish_again_restores_swedish(client):
    choose_language(client, "en")
    choose_language(client, "sv")
    html = page_text(client)
    assert '<html lang="sv">' in html
    assert "Logga in i Lotsen" in html


@pytest.mark.parametrize("language", ["de", "EN", "", "en-GB", "../en", "x" * 500])
def test_unknown_language_is_ignored(client, language):
    response = choose_language(client, language)
    assert response.status_code == 302
    html = page_text(client)
    assert '<html lang="sv">' in html
    assert "Logga in i Lotsen" in html


def test_unknown_language_keeps_the_earlier_choice(client):
    choose_language(client, "en")
    choose_language(client, "fr")
    assert '<html lang="en">' in page_text(client)


def test_validation_messages_are_swedish_by_default(client):
    response = client.submit(LOGIN_URL, {"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Fyll i din e-postadress." in html
    assert "Fyll i ditt lösenord." in html
    assert "Något behöver rättas" in html


def test_validation_messages_follow_english(client):
    choose_language(client, "en")
    response = client.submit(LOGIN_URL, {"email": "inte-en-adress", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please enter a valid email address, for example name@kommun.se." in html
    assert "Please enter your password." in html
    assert "Something needs correcting" in html
    assert "Fyll i" not in html


def test_wtforms_built_in_messages_follow_the_language(client, login):
    login()
    too_long = {"current_password": "x", "new_password": "y" * 201, "confirm_password": "z"}
    html = client.submit("/konto/losenord", too_long).get_data(as_text=True)
    assert "Fältet får inte vara längre än 200 tecken." in html

    choose_language(client, "en", next_url="/konto/losenord")
    html = client.submit("/konto/losenord", too_long).get_data(as_text=True)
    assert "Field cannot be longer than 200 characters." in html
    assert "The passwords do not match." in html


def test_translated_strings_with_placeholders_are_filled_in(client, login):
    name = escape(login().name)
    assert f"Välkommen, {name}" in page_text(client, "/")
    choose_language(client, "en", next_url="/")
    html = page_text(client, "/")
    assert f"Welcome, {name}" in html
    assert "Log out" in html


def test_lazy_labels_defined_at_import_time_are_translated(client, login):
    from lotsen.accounts.models import Role

    login(Role.COORDINATOR)
    assert "Samordnare" in page_text(client, "/")
    choose_language(client, "en", next_url="/")
    html = page_text(client, "/")
    assert "Coordinator" in html
    assert "Samordnare" not in html
