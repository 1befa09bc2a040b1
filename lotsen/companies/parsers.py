"""Streaming parsers for the national company registers and for municipalities' own lists.

`read_register_file(path, fmt)` yields one `CompanyRecord` or `RejectedRow` per row, reading
the file as a text stream through the `csv` module: memory stays bounded whatever the size.
`check_register_file(path, fmt)` looks at the start of the file (header, encoding) and raises
`RegisterFileError` with a Swedish message when the whole file is unusable; `read_register_file`
runs the same check before its first row. A decoding error further into the file also raises
`RegisterFileError` (never a RejectedRow), so an importer must be ready to roll back: it should
call `check_register_file` before it writes anything, which catches wrong files early.

Formats, as found in the published files and in public code that reads them:

Bolagsverket ("bolagsverket_bulkfil.txt", format "bolagsverket")
    UTF-8 (a BOM is allowed), ";"-separated, every field quoted with '"' ('""' inside a field),
    a header row with the eleven columns of `BOLAGSVERKET_COLUMNS`. A quoted field may hold line
    breaks. Values are packed with "$" and lists with "|":
      organisationsidentitet   "5560160680$ORGNR-IDORG", "198101011230$PERSON-IDORG"
                               (also SAMORDNR-IDORG, GDNR-IDORG); the type is not needed, the
                               number itself tells a personnummer from an organisation number.
      namnskyddslopnummer      "1", "2" ... for each registration of one personnummer; empty -> 0.
      organisationsnamn        "name$TYPE-ORGNAM$YYYY-MM-DD" joined by "|". TYPE is FORETAGSNAMN
                               (the company name), NAMN, FORNAMN_FRSPRAK (name in a foreign
                               language) or SARS_FORNAMN (särskilt företagsnamn). The current
                               name is the newest FORETAGSNAMN (else NAMN, else the first); all
                               other names go to `former_names`, newest first.
      organisationsform        "AB-ORGFO" -> "AB" (see orgnr.LEGAL_FORMS).
      avregistreringsdatum     YYYY-MM-DD; when set the record is "deregistered".
      avregistreringsorsak     "VERKUPP-AVORG" (maybe followed by "$text") -> its Swedish label.
      pagandeAvvecklingsEllerOmstruktureringsforfarande
                               "LI-AVOMFO$YYYY-MM-DD" joined by "|"; LI (likvidation) and KK
                               (konkurs) make the record "liquidation" (wind-up in progress).
      registreringsdatum       YYYY-MM-DD.
      verksamhetsbeskrivning   free text.
      postadress               "street$c/o$TOWN$postcode$country" in the published file. A
                               multi-line value (street, c/o, "postnummer ort", country on their
                               own lines) is also understood, as some exports write it that way.
    The file has no SNI codes, municipality or size class.

SCB ("scb_bulkfil_JE_*.txt", format "scb")
    Latin-1, TAB-separated, no quoting at all (a '"' is an ordinary character), CRLF, a header
    row. Columns used: PeOrgNr (12 digits, "16" + organisation number for legal persons, the
    personnummer with century for sole traders), Foretagsnamn (often empty) and Namn (always
    set; for a sole trader the owner's name, so it is only used when Foretagsnamn is empty),
    COAdress, Gatuadress, PostNr, PostOrt, JurForm (SCB's code, mapped to orgnr.LEGAL_FORMS),
    FtgStat (1 verksam, 0 aldrig verksam, 9 ej längre verksam: 9 gives "deregistered" without
    a date, the others "active"), Ng1-Ng5 (SNI 2007, Ng1 primary, 00000 = unknown),
    RegDatKtid (YYYYMMDD) and Reklamsparrtyp (1 = accepts direct advertising, 2 = has opted
    out: `advertising_blocked` is true when the code starts with 2). The published file also
    has JEStat, ForAndrTyp and change markers m* which are not needed. It has no municipality
    or size class; when a file carries optional columns Kommun/KommunKod/Sateskommun (4 digits)
    or Storleksklass (a band such as "5-9", or SCB's class code 0-15), they are used.

Plain CSV (format "csv", see docs/import-csv.md)
    UTF-8, "," or ";" (whichever the header uses), header with the columns of `CSV_COLUMNS`;
    only org_number and name are required. sni_codes are separated by spaces.

Every row that cannot be used (bad organisation number, no name, wrong number of columns,
unparsable date, a file that ends in the middle of a row) becomes a `RejectedRow` with the
physical line where the row starts (the header is line 1) and a Swedish reason.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from os import PathLike
from typing import TextIO

from lotsen.companies.orgnr import (
    SCB_LEGAL_FORMS,
    InvalidOrgNumber,
    legal_form_code,
    mask_personal_numbers,
    normalise_org_number,
)
from lotsen.companies.sni import normalise_sni_code

FORMATS = ("bolagsverket", "scb", "csv")
SIZE_CLASSES = ("0", "1-4", "5-9", "10-19", "20-49", "50-99", "100-199", "200-499", "500+")
STATUSES = ("active", "deregistered", "liquidation")

BOLAGSVERKET_COLUMNS = (
    "organisationsidentitet",
    "namnskyddslopnummer",
    "registreringsland",
    "organisationsnamn",
    "organisationsform",
    "avregistreringsdatum",
    "avregistreringsorsak",
    "pagandeAvvecklingsEllerOmstruktureringsforfarande",
    "registreringsdatum",
    "verksamhetsbeskrivning",
    "postadress",
)
SCB_REQUIRED_COLUMNS = ("PeOrgNr", "Namn", "Gatuadress", "PostNr", "PostOrt", "FtgStat", "Ng1")
SCB_OPTIONAL_COLUMNS = (
    "Foretagsnamn",
    "COAdress",
    "JurForm",
    "Ng2",
    "Ng3",
    "Ng4",
    "Ng5",
    "RegDatKtid",
    "Reklamsparrtyp",
)
SCB_MUNICIPALITY_COLUMNS = ("KommunKod", "Kommun", "Sateskommun", "SatesKommun")
SCB_SIZE_CLASS_COLUMNS = ("Storleksklass", "StorleksKlass", "AnstStorleksklass")
CSV_COLUMNS = (
    "org_number",
    "name",
    "street_address",
    "postal_code",
    "town",
    "municipality_code",
    "sni_codes",
    "size_class",
    "website",
    "description",
    "legal_form",
)
CSV_REQUIRED_COLUMNS = ("org_number", "name")

# Bolagsverket's avregistreringsorsak codes (the part before "-AVORG").
DEREGISTRATION_REASONS = {
    "AKEJH": "Aktiekapitalet inte höjts",
    "ARSEED": "Årsredovisning saknas",
    "AVREG": "Avregistrerad",
    "BABAKEJH": "Ombildat till bankaktiebolag eller aktiekapitalet inte höjts",
    "DELAV": "Delning",
    "DOM": "Beslut av domstol",
    "FUAV": "Fusion",
    "GROMAV": "Gränsöverskridande ombildning",
    "KKAV": "Konkurs",
    "LIAV": "Likvidation",
    "NYINN": "Ny innehavare",
    "OMAV": "Ombildning",
    "OMBAB": "Ombildat till bankaktiebolag",
    "OVERK": "Overksamhet",
    "UTLKKLI": "Det utländska företagets likvidation eller konkurs",
    "VERKUPP": "Verksamheten har upphört",
    "VDSAK": "Verkställande direktör saknas",
}
# Procedures in pagandeAvvecklingsEllerOmstruktureringsforfarande that wind the company up.
WIND_UP_PROCEDURES = frozenset({"LI", "KK"})
SCB_NOT_ACTIVE_REASON = "Ej längre verksam enligt SCB"

# SCB's size class codes (number of employees) mapped to Lotsen's bands.
SCB_SIZE_CLASS_CODES = {
    "0": "0",
    "1": "1-4",
    "2": "5-9",
    "3": "10-19",
    "4": "20-49",
    "5": "50-99",
    "6": "100-199",
    "7": "200-499",
    **{str(code): "500+" for code in range(8, 16)},
}

UTF8_CHECK_BYTES = 1024 * 1024
EXCERPT_LENGTH = 200
_NAME_TYPE_RANK = {"FORETAGSNAMN": 0, "NAMN": 1}
_POSTCODE_TOWN = re.compile(r"^(\d{3}) ?(\d{2})\s+(.+)$")


@dataclass(slots=True)
class CompanyRecord:
    line_number: int  # physical line where the row starts in the file (1 = header)
    org_number: str  # OrgNumber.value (normalised)
    is_personal: bool  # personnummer => sole trader
    registration_suffix: int  # Bolagsverket namnskyddslopnummer, 0 when absent
    name: str
    former_names: list[str]
    legal_form: str | None  # code as in LEGAL_FORMS keys, e.g. "AB", "E"
    street_address: str | None
    postal_code: str | None  # 5 digits, no space
    town: str | None
    municipality_code: str | None  # 4 digits when the source has it
    sni_codes: list[str]  # 5-digit SNI 2007, primary first
    registered_on: date | None
    status: str  # "active" | "deregistered" | "liquidation"
    deregistered_on: date | None
    deregistration_reason: str | None
    description: str | None  # verksamhetsbeskrivning
    size_class: str | None  # one of SIZE_CLASSES
    advertising_blocked: bool  # SCB Reklamsparrtyp says the company has opted out
    source: str  # "bolagsverket" | "scb" | "csv"
    website: str | None = None  # only the plain CSV format has it


@dataclass(slots=True)
class RejectedRow:
    line_number: int
    reason: str  # Swedish, e.g. "Ogiltigt organisationsnummer: kontrollsiffran stämmer inte"
    excerpt: str  # first 200 chars of the raw row, personnummer masked


class RegisterFileError(Exception):
    """The whole file is unusable; the message is Swedish and meant for the person importing."""


class _Reject(Exception):
    """A row cannot be used; the message is the Swedish reason."""


# ---------------------------------------------------------------------------------------------
# Public entry points


def check_register_file(path: str | PathLike, fmt: str) -> None:
    """Raise RegisterFileError when the file cannot be imported as `fmt` at all: unknown format,
    missing or empty file, bytes that are not valid in the format's encoding within the first
    megabyte, or a header that does not belong to the format."""
    _open_checked(path, fmt).close()


def read_register_file(path: str | PathLike, fmt: str) -> Iterator[CompanyRecord | RejectedRow]:
    """Yield a CompanyRecord or a RejectedRow for every data row of the file, in file order.

    Runs `check_register_file` first. Raises RegisterFileError when the file turns out to be
    undecodable further on.
    """
    stream = _open_checked(path, fmt)
    encoding = _ENCODINGS[fmt]
    lines = _LineTracker(stream)
    try:
        yield from _READERS[fmt](lines)
    except UnicodeDecodeError as error:
        raise RegisterFileError(
            f"Filen går inte att läsa som {encoding} på rad {lines.count + 1}. Kontrollera att "
            f"du har valt rätt format; ingenting ur filen ska sparas."
        ) from error
    finally:
        stream.close()


# ---------------------------------------------------------------------------------------------
# Opening and checking


_ENCODINGS = {"bolagsverket": "utf-8-sig", "scb": "latin-1", "csv": "utf-8-sig"}
_FILE_NAMES = {"bolagsverket": "Bolagsverkets fil", "scb": "SCB:s fil", "csv": "CSV-filen"}


def _open_checked(path: str | PathLike, fmt: str) -> TextIO:
    if fmt not in FORMATS:
        raise RegisterFileError(f"Okänt filformat: {fmt}. Välj något av: {', '.join(FORMATS)}.")
    try:
        with open(path, "rb") as binary:
            head = binary.read(UTF8_CHECK_BYTES)
    except FileNotFoundError as error:
        raise RegisterFileError("Filen finns inte.") from error
    except OSError as error:
        raise RegisterFileError("Filen kunde inte öppnas för läsning.") from error
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise RegisterFileError("Filen är tom.")
    _check_encoding(head, fmt)
    stream = open(path, encoding=_ENCODINGS[fmt], newline="", buffering=1024 * 1024)  # noqa: SIM115
    try:
        header = stream.readline()
        _HEADER_CHECKS[fmt](header)
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return stream


def _check_encoding(head: bytes, fmt: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
        utf8_ok = True
    except UnicodeDecodeError as error:
        utf8_ok = False
        bad_line = head[: error.start].count(b"\n") + 1
    if fmt == "scb":
        if utf8_ok and any(byte >= 0x80 for byte in head):
            raise RegisterFileError(
                "Filen verkar vara UTF-8-kodad, men SCB:s fil ska vara Latin-1 (ISO-8859-1). "
                "Kontrollera att du har valt rätt format."
            )
        return
    if not utf8_ok:
        raise RegisterFileError(
            f"Filen är inte UTF-8-kodad (ogiltigt tecken på rad {bad_line}). "
            f"{_FILE_NAMES[fmt]} ska vara UTF-8; en fil från SCB är Latin-1 och ska importeras "
            f"med formatet scb. En egen lista kan sparas som ”CSV UTF-8” i kalkylprogrammet."
        )


def _check_bolagsverket_header(header: str) -> None:
    names = [name.strip().strip('"') for name in header.rstrip("\r\n").split(";")]
    if tuple(names) != BOLAGSVERKET_COLUMNS:
        raise RegisterFileError(
            "Filen har inte Bolagsverkets kolumner. Första raden ska vara: "
            + ";".join(BOLAGSVERKET_COLUMNS)
            + "."
        )


def _check_scb_header(header: str) -> None:
    names = header.rstrip("\r\n").split("\t")
    missing = [name for name in SCB_REQUIRED_COLUMNS if name not in names]
    if len(names) < 2 or missing:
        raise RegisterFileError(
            "Filen har inte SCB:s kolumner (tabbseparerade). Saknas: "
            + ", ".join(missing or SCB_REQUIRED_COLUMNS)
            + "."
        )


def _check_csv_header(header: str) -> None:
    names = _csv_header_names(header)
    unknown = [name for name in names if name and name not in CSV_COLUMNS]
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in names]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("saknade kolumner: " + ", ".join(missing))
        if unknown:
            problems.append("okända kolumner: " + ", ".join(unknown))
        raise RegisterFileError(
            "CSV-filens rubrikrad stämmer inte ("
            + "; ".join(problems)
            + "). Tillåtna kolumner: "
            + ", ".join(CSV_COLUMNS)
            + "."
        )


_HEADER_CHECKS: dict[str, Callable[[str], None]] = {
    "bolagsverket": _check_bolagsverket_header,
    "scb": _check_scb_header,
    "csv": _check_csv_header,
}


def _csv_delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def _csv_header_names(header: str) -> list[str]:
    row = next(csv.reader([header], delimiter=_csv_delimiter(header)), [])
    return [name.strip().lower() for name in row]


# ---------------------------------------------------------------------------------------------
# Line tracking: the raw text of the row being parsed (for excerpts) and the lines read so far.


class _LineTracker:
    """Feeds lines to csv.reader and remembers the raw lines of the current row."""

    __slots__ = ("stream", "lines", "count")

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lines: list[str] = []
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        lines = self.lines
        append = lines.append
        for line in self.stream:
            append(line)
            yield line

    def take_row(self) -> str:
        """The raw text of the row just read; forgets it."""
        text = "".join(self.lines)
        self.count += len(self.lines)
        self.lines.clear()
        return text

    def skip_row(self) -> None:
        self.count += len(self.lines)
        self.lines.clear()

    def row_ends_in_open_quote(self) -> bool:
        """Whether the file ended inside a quoted field of the current row."""
        lines = self.lines
        if not lines or lines[-1].endswith(("\n", "\r")):
            return False
        return sum(line.count('"') for line in lines) % 2 == 1


def _excerpt(raw: str) -> str:
    text = raw[: EXCERPT_LENGTH + 60].replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n").replace("\n", " ⏎ ")
    return mask_personal_numbers(text)[:EXCERPT_LENGTH]


def _rows(
    lines: _LineTracker, reader: Iterator[list[str]], quoted: bool
) -> Iterator[tuple[int, list[str]] | RejectedRow]:
    """(first line number, fields) for every non-empty data row after the header, or a
    RejectedRow for a row the csv module cannot read or one the file cuts off."""
    while True:
        start = lines.count + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RejectedRow(
                start, f"Raden kunde inte tolkas ({error})", _excerpt(lines.take_row())
            )
            continue
        if quoted and lines.row_ends_in_open_quote():
            yield RejectedRow(
                start,
                "Raden är avkortad: filen tar slut mitt i ett fält",
                _excerpt(lines.take_row()),
            )
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            lines.skip_row()
            continue
        yield start, row


# ---------------------------------------------------------------------------------------------
# Field helpers


def _org_number(raw: str) -> tuple[str, bool]:
    try:
        number = normalise_org_number(raw)
    except InvalidOrgNumber as error:
        raise _Reject(str(error)) from None
    return number.value, number.is_personal


def _iso_date(value: str, column: str) -> date | None:
    if not value or value == "null":
        return None
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Reject(f"Ogiltigt datum i kolumnen {column}: {value[:20]}")


def _compact_date(value: str, column: str) -> date | None:
    if not value or value.strip("0 ") == "":
        return None
    if len(value) == 8 and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise _Reject(f"Ogiltigt datum i kolumnen {column}: {value[:20]}")


def _postal_code(value: str | None) -> str | None:
    if not value:
        return None
    digits = value.replace(" ", "")
    return digits if len(digits) == 5 and digits.isdigit() else None


def _town(value: str | None) -> str | None:
    """The town in normal case: registers write "ALINGSÅS", people read "Alingsås"."""
    if not value:
        return None
    town = _TOWN_CACHE.get(value)
    if town is None:
        town = value.strip()
        town = (town.title() if town.isupper() else town) or None
        if len(_TOWN_CACHE) < 20_000:
            _TOWN_CACHE[value] = town
    return town


_TOWN_CACHE: dict[str, str | None] = {}


def _street(street: str, care_of: str) -> str | None:
    street = street.strip()
    care_of = care_of.strip()
    if care_of and not care_of.lower().startswith("c/o"):
        care_of = "c/o " + care_of
    if street and care_of:
        return f"{care_of}, {street}"
    return street or care_of or None


def _text(value: str) -> str | None:
    value = value.strip()
    return value if value and value != "null" else None


def _check_columns(row: list[str], needed: int, header_length: int) -> None:
    if len(row) < needed or any(value.strip() for value in row[header_length:]):
        raise _Reject(f"Fel antal kolumner: {len(row)} i stället för {header_length}")


# ---------------------------------------------------------------------------------------------
# Bolagsverket


def _read_bolagsverket(lines: _LineTracker) -> Iterator[CompanyRecord | RejectedRow]:
    reader = csv.reader(lines, delimiter=";", quotechar='"', doublequote=True, strict=False)
    next(reader, None)  # the header, checked already
    lines.skip_row()
    column_count = len(BOLAGSVERKET_COLUMNS)
    for item in _rows(lines, reader, quoted=True):
        if isinstance(item, RejectedRow):
            yield item
            continue
        start, row = item
        try:
            _check_columns(row, column_count, column_count)
            record = _bolagsverket_record(start, row)
        except _Reject as reject:
            yield RejectedRow(start, str(reject), _excerpt(lines.take_row()))
            continue
        lines.skip_row()
        yield record


def _bolagsverket_record(line_number: int, row: list[str]) -> CompanyRecord:
    (
        identity,
        suffix,
        _country,
        names,
        form,
        deregistered,
        reason,
        procedures,
        registered,
        description,
        address,
    ) = row[:11]
    org_number, is_personal = _org_number(identity.partition("$")[0])
    name, former_names = _bolagsverket_names(names)
    if not name:
        raise _Reject("Namn saknas")
    deregistered_on = _iso_date(deregistered.strip(), "avregistreringsdatum")
    deregistration_reason = _deregistration_reason(reason)
    if deregistered_on or deregistration_reason:
        status = "deregistered"
    elif procedures and _winding_up(procedures):
        status = "liquidation"
    else:
        status = "active"
    street, postal_code, town = _bolagsverket_address(address)
    legal_form = legal_form_code(form) or (form.rpartition("-")[0] or form).strip() or None
    return CompanyRecord(
        line_number=line_number,
        org_number=org_number,
        is_personal=is_personal,
        registration_suffix=int(suffix) if suffix.isdigit() else 0,
        name=name,
        former_names=former_names,
        legal_form=legal_form or ("E" if is_personal else None),
        street_address=street,
        postal_code=postal_code,
        town=town,
        municipality_code=None,
        sni_codes=[],
        registered_on=_iso_date(registered.strip(), "registreringsdatum"),
        status=status,
        deregistered_on=deregistered_on,
        deregistration_reason=deregistration_reason,
        description=_text(description),
        size_class=None,
        advertising_blocked=False,
        source="bolagsverket",
    )


def _bolagsverket_names(packed: str) -> tuple[str, list[str]]:
    """The current name and the others (newest first) from "name$TYPE-ORGNAM$date|..."."""
    if "|" not in packed:
        return packed.partition("$")[0].strip(), []
    entries = []
    for part in packed.split("|"):
        name, _, rest = part.partition("$")
        name = name.strip()
        if not name:
            continue
        kind, _, when = rest.partition("$")
        kind = kind.rpartition("-ORGNAM")[0] or kind
        entries.append((_NAME_TYPE_RANK.get(kind, 2), when[:10], name))
    if not entries:
        return "", []
    entries.sort(key=lambda entry: entry[1], reverse=True)  # newest first ...
    entries.sort(key=lambda entry: entry[0])  # ... within each kind (stable sort)
    current = entries[0][2]
    others = sorted(entries[1:], key=lambda entry: entry[1], reverse=True)
    former: list[str] = []
    for _, _, name in others:
        if name != current and name not in former:
            former.append(name)
    return current, former


def _deregistration_reason(packed: str) -> str | None:
    if not packed.strip():
        return None
    code, _, text = packed.partition("$")
    code = code.strip()
    key = code[:-6] if code.endswith("-AVORG") else code
    return DEREGISTRATION_REASONS.get(key) or text.strip() or code or None


def _winding_up(packed: str) -> bool:
    for entry in packed.split("|"):
        code = entry.partition("$")[0].strip()
        if code.partition("-")[0] in WIND_UP_PROCEDURES:
            return True
    return False


def _bolagsverket_address(packed: str) -> tuple[str | None, str | None, str | None]:
    """(street with c/o, postal code, town) from "street$c/o$TOWN$postcode$country" or from a
    multi-line address."""
    if "$" in packed:
        parts = packed.split("$")
        parts += [""] * (5 - len(parts))
        street, care_of, town, postal_code = parts[0], parts[1], parts[2], parts[3]
        if _postal_code(town) and not _postal_code(postal_code):
            town, postal_code = postal_code, town
        return _street(street, care_of), _postal_code(postal_code), _town(town)
    return _multiline_address(packed)


def _multiline_address(text: str) -> tuple[str | None, str | None, str | None]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for index in range(len(lines) - 1, -1, -1):
        match = _POSTCODE_TOWN.match(lines[index])
        if match:
            street = ", ".join(lines[:index]) or None
            return street, match.group(1) + match.group(2), _town(match.group(3))
    return (", ".join(lines) or None), None, None


# ---------------------------------------------------------------------------------------------
# SCB


def _read_scb(lines: _LineTracker) -> Iterator[CompanyRecord | RejectedRow]:
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE, strict=False)
    header = next(reader, [])
    lines.skip_row()
    columns = {name: index for index, name in enumerate(header) if name}
    parse = _ScbRowParser(columns, len(header))
    for item in _rows(lines, reader, quoted=False):
        if isinstance(item, RejectedRow):
            yield item
            continue
        start, row = item
        try:
            record = parse(start, row)
        except _Reject as reject:
            yield RejectedRow(start, str(reject), _excerpt(lines.take_row()))
            continue
        lines.skip_row()
        yield record


class _ScbRowParser:
    """Turns one row of SCB's file into a CompanyRecord, with the column positions looked up
    once."""

    def __init__(self, columns: dict[str, int], header_length: int) -> None:
        def position(*names: str) -> int | None:
            return next((columns[name] for name in names if name in columns), None)

        self.header_length = header_length
        self.needed = max(columns.values()) + 1
        self.org_number = columns["PeOrgNr"]
        self.name = columns["Namn"]
        self.company_name = position("Foretagsnamn")
        self.street = columns["Gatuadress"]
        self.care_of = position("COAdress")
        self.postal_code = columns["PostNr"]
        self.town = columns["PostOrt"]
        self.legal_form = position("JurForm")
        self.status = columns["FtgStat"]
        self.sni = [
            columns[name] for name in ("Ng1", "Ng2", "Ng3", "Ng4", "Ng5") if name in columns
        ]
        self.registered = position("RegDatKtid")
        self.advertising = position("Reklamsparrtyp")
        self.municipality = position(*SCB_MUNICIPALITY_COLUMNS)
        self.size_class = position(*SCB_SIZE_CLASS_COLUMNS)

    def __call__(self, line_number: int, row: list[str]) -> CompanyRecord:
        if len(row) < self.needed or len(row) > self.header_length:
            _check_columns(row, self.needed, self.header_length)
        org_number, is_personal = _org_number(row[self.org_number])
        name = row[self.company_name].strip() if self.company_name is not None else ""
        if not name:
            name = row[self.name].strip()
        if not name:
            raise _Reject("Namn saknas")
        legal_form = SCB_LEGAL_FORMS.get(row[self.legal_form].strip()) if self.legal_form else None
        not_active = row[self.status].strip() == "9"
        advertising = row[self.advertising].strip() if self.advertising is not None else ""
        return CompanyRecord(
            line_number=line_number,
            org_number=org_number,
            is_personal=is_personal,
            registration_suffix=0,
            name=name,
            former_names=[],
            legal_form=legal_form or ("E" if is_personal else None),
            street_address=_street(
                row[self.street], row[self.care_of] if self.care_of is not None else ""
            ),
            postal_code=_postal_code(row[self.postal_code]),
            town=_town(row[self.town]),
            municipality_code=self._municipality(row),
            sni_codes=self._sni_codes(row),
            registered_on=(
                _compact_date(row[self.registered].strip(), "RegDatKtid")
                if self.registered is not None
                else None
            ),
            status="deregistered" if not_active else "active",
            deregistered_on=None,
            deregistration_reason=SCB_NOT_ACTIVE_REASON if not_active else None,
            description=None,
            size_class=self._size_class(row),
            advertising_blocked=advertising.startswith("2"),
            source="scb",
        )

    def _sni_codes(self, row: list[str]) -> list[str]:
        codes: list[str] = []
        for index in self.sni:
            code = normalise_sni_code(row[index])
            if code and code not in codes:
                codes.append(code)
        return codes

    def _municipality(self, row: list[str]) -> str | None:
        if self.municipality is None:
            return None
        value = row[self.municipality].strip()
        return value if len(value) == 4 and value.isdigit() else None

    def _size_class(self, row: list[str]) -> str | None:
        if self.size_class is None:
            return None
        value = row[self.size_class].strip()
        return SCB_SIZE_CLASS_CODES.get(value) or _size_class_band(value)


# ---------------------------------------------------------------------------------------------
# Plain CSV


def _read_csv(lines: _LineTracker) -> Iterator[CompanyRecord | RejectedRow]:
    header_line = lines.stream.readline()
    lines.stream.seek(0)
    reader = csv.reader(lines, delimiter=_csv_delimiter(header_line), quotechar='"')
    names = _csv_header_names(header_line)
    columns = {name: index for index, name in enumerate(names) if name}
    next(reader, None)  # the header
    lines.skip_row()
    for item in _rows(lines, reader, quoted=True):
        if isinstance(item, RejectedRow):
            yield item
            continue
        start, row = item
        try:
            _check_columns(row, len(names), len(names))
            record = _csv_record(start, row, columns)
        except _Reject as reject:
            yield RejectedRow(start, str(reject), _excerpt(lines.take_row()))
            continue
        lines.skip_row()
        yield record


def _csv_record(line_number: int, row: list[str], columns: dict[str, int]) -> CompanyRecord:
    def value(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None else ""

    org_number, is_personal = _org_number(value("org_number"))
    name = value("name")
    if not name:
        raise _Reject("Namn saknas")
    postal_code = value("postal_code")
    if postal_code and not _postal_code(postal_code):
        raise _Reject(f"Ogiltigt postnummer: {postal_code[:20]} (ska vara fem siffror)")
    municipality = value("municipality_code")
    if municipality and not (len(municipality) == 4 and municipality.isdigit()):
        raise _Reject(f"Ogiltig kommunkod: {municipality[:20]} (ska vara fyra siffror)")
    size_class = value("size_class")
    if size_class and not _size_class_band(size_class):
        raise _Reject(
            f"Ogiltig storleksklass: {size_class[:20]} (tillåtna: {', '.join(SIZE_CLASSES)})"
        )
    legal_form = value("legal_form")
    if legal_form and not legal_form_code(legal_form):
        raise _Reject(f"Okänd juridisk form: {legal_form[:20]}")
    return CompanyRecord(
        line_number=line_number,
        org_number=org_number,
        is_personal=is_personal,
        registration_suffix=0,
        name=name,
        former_names=[],
        legal_form=legal_form_code(legal_form) or ("E" if is_personal else None),
        street_address=value("street_address") or None,
        postal_code=_postal_code(postal_code),
        town=_town(value("town")),
        municipality_code=municipality or None,
        sni_codes=_csv_sni_codes(value("sni_codes")),
        registered_on=None,
        status="active",
        deregistered_on=None,
        deregistration_reason=None,
        description=value("description") or None,
        size_class=_size_class_band(size_class),
        advertising_blocked=False,
        source="csv",
        website=value("website") or None,
    )


def _csv_sni_codes(text: str) -> list[str]:
    codes: list[str] = []
    for raw in text.replace(",", " ").split():
        code = normalise_sni_code(raw)
        if code is None or len(code) != 5:
            raise _Reject(f"Okänd SNI-kod: {raw[:20]} (ska vara en femsiffrig SNI 2007-kod)")
        if code not in codes:
            codes.append(code)
    return codes


def _size_class_band(value: str) -> str | None:
    band = value.replace("–", "-").replace("—", "-").replace(" ", "")
    return band if band in SIZE_CLASSES else None


_READERS: dict[str, Callable[[_LineTracker], Iterator[CompanyRecord | RejectedRow]]] = {
    "bolagsverket": _read_bolagsverket,
    "scb": _read_scb,
    "csv": _read_csv,
}
