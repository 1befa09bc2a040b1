"""Generate realistic register files in the exact formats lotsen.companies.parsers reads.

    python bench/generate_registers.py --format bolagsverket --rows 2000000 --out /tmp/bv.txt
    python bench/generate_registers.py --format scb --rows 2000000 --out /tmp/scb.txt --seed 7

Bolagsverket: UTF-8, ";"-separated, every field quoted, packed values ("$", "|"); about 8 % of
the rows are sole traders, whose personnummer carry one to three registrations
(namnskyddslöpnummer); about 1 % of the postal addresses are written on several lines inside
the quoted field. SCB: Latin-1, TAB-separated, CRLF, the 35 columns of the published file.
Both: valid check digits, some deregistered (and in Bolagsverket's file some in liquidation),
SNI codes from the shipped SNI 2007 table, and about 0.1 % deliberately bad rows (wrong check
digit, missing name, impossible date). The same --seed gives the same file. Output is written
as it is generated; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lotsen.companies.parsers import BOLAGSVERKET_COLUMNS  # noqa: E402
from lotsen.companies.sni import detailed_codes  # noqa: E402

# (town, municipality code, first postcode, last postcode) — real postcode ranges.
TOWNS = [
    ("LERUM", "1441", 44330, 44339),
    ("FLODA", "1441", 44830, 44837),
    ("GRÅBO", "1441", 44340, 44345),
    ("STENKULLEN", "1441", 44361, 44363),
    ("ALINGSÅS", "1489", 44130, 44196),
    ("SOLLEBRUNN", "1489", 44170, 44173),
    ("GÖTEBORG", "1480", 41101, 41879),
    ("PARTILLE", "1402", 43330, 43368),
    ("MÖLNDAL", "1481", 43130, 43169),
    ("KUNGÄLV", "1482", 44230, 44298),
    ("VÅRGÅRDA", "1442", 44730, 44795),
    ("BORÅS", "1490", 50330, 50790),
    ("TROLLHÄTTAN", "1488", 46130, 46198),
    ("STOCKHOLM", "0180", 11120, 11860),
    ("UPPSALA", "0380", 75220, 75758),
    ("VÄSTERÅS", "1980", 72210, 72598),
    ("ÖREBRO", "1880", 70210, 70375),
    ("LINKÖPING", "0580", 58220, 58758),
    ("JÖNKÖPING", "0680", 55302, 55629),
    ("MALMÖ", "1280", 21115, 21774),
    ("HALMSTAD", "1380", 30224, 30292),
    ("VÄXJÖ", "0780", 35230, 35263),
    ("KARLSTAD", "1780", 65220, 65470),
    ("GÄVLE", "2180", 80250, 80648),
    ("SUNDSVALL", "2281", 85230, 85750),
    ("UMEÅ", "2480", 90325, 90750),
    ("LULEÅ", "2580", 97231, 97596),
]
# Lerum and Alingsås are over-represented, the way a municipality's own extract would be.
TOWN_WEIGHTS = [6, 3, 2, 1, 6, 1] + [2] * (len(TOWNS) - 6)

STREETS = [
    "Storgatan",
    "Kyrkogatan",
    "Drottninggatan",
    "Göteborgsvägen",
    "Industrivägen",
    "Sjövägen",
    "Torget",
    "Åsvägen",
    "Björkvägen",
    "Ekliden",
    "Granvägen",
    "Älvängsvägen",
    "Företagsvägen",
    "Verkstadsgatan",
    "Hantverkaregatan",
    "Lilla Torget",
    "Södra Vägen",
    "Norra Allén",
    "Ängsvägen",
    "Mjörnvägen",
    "Säveån",
    "Tollered Byväg",
    "Västra Långgatan",
    "Östra Ringvägen",
    "Kungsgatan",
    "Nolhagavägen",
    "Stationsvägen",
    "Skolgatan",
    "Bergsgatan",
    "Lövstigen",
]
SURNAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Öberg",
    "Åberg",
    "Lindqvist",
    "Lindberg",
    "Sjöberg",
    "Ström",
    "Hägg",
    "Björk",
    "Ek",
    "Forsberg",
    "Sandström",
    "Lundgren",
    "Wallin",
    "Engström",
    "Dahl",
]
FIRST_NAMES = [
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Åsa",
    "Lena",
    "Emma",
    "Ida",
    "Märta",
    "Erik",
    "Lars",
    "Karl",
    "Anders",
    "Johan",
    "Per",
    "Mikael",
    "Björn",
    "Göran",
    "Håkan",
    "Jörgen",
    "René",
    "Zoë",
    "Noah",
    "Elias",
]
# Trade words and the SNI codes that go with them.
TRADES = [
    ("Café", ["56100", "47241"]),
    ("Konditori", ["10710", "47241"]),
    ("Åkeri", ["49410"]),
    ("Transport", ["49410", "52290"]),
    ("Bygg", ["41200", "43999"]),
    ("Snickeri", ["43320", "16239"]),
    ("Måleri", ["43341"]),
    ("Rör & Värme", ["43221"]),
    ("El & Tele", ["43210"]),
    ("Mark & Anläggning", ["43120", "42990"]),
    ("Redovisning", ["69201"]),
    ("Konsult", ["70220", "62020"]),
    ("Data", ["62010", "62020"]),
    ("Fastigheter", ["68201", "68203"]),
    ("Hårdesign", ["96021"]),
    ("Skönhet", ["96022"]),
    ("Bilverkstad", ["45201", "45202"]),
    ("Trädgård", ["81300", "01302"]),
    ("Städ", ["81210"]),
    ("Livs", ["47112"]),
    ("Pizzeria", ["56100"]),
    ("Verkstad", ["25620", "33120"]),
    ("Tandvård", ["86230"]),
    ("Fysio", ["86905"]),
]
PLACES = ["Lerums", "Alingsås", "Floda", "Gråbo", "Mjörn", "Säveå", "Västra", "Nordiska", "Åsa"]
SUFFIXES = ["AB", "AB", "AB", "Aktiebolag", "i Lerum AB", "i Alingsås AB", "& Söner AB"]
DESCRIPTIONS = [
    "Bolaget ska bedriva {trade} samt därmed förenlig verksamhet.",
    "Föremålet för bolagets verksamhet är {trade}; även uthyrning och konsultation.",
    'Verksamheten består av {trade} under namnet "{name}".',
    "{trade}, försäljning och service i Västra Götaland.",
]
DEREGISTRATION_REASONS = ["VERKUPP-AVORG", "LIAV-AVORG", "KKAV-AVORG", "FUAV-AVORG", "ARSEED-AVORG"]
SCB_COLUMNS = [
    "ForAndrTyp",
    "COAdress",
    "Foretagsnamn",
    "FtgStat",
    "Gatuadress",
    "JEStat",
    "JurForm",
    "Namn",
    "Ng1",
    "Ng2",
    "Ng3",
    "Ng4",
    "Ng5",
    "PeOrgNr",
    "PostNr",
    "PostOrt",
    "RegDatKtid",
    "Reklamsparrtyp",
    "mCOAdress",
    "mForetagsnamn",
    "mFtgStat",
    "mGatuadress",
    "mJEStat",
    "mJurForm",
    "mNamn",
    "mNg1",
    "mNg2",
    "mNg3",
    "mNg4",
    "mNg5",
    "mPostNr",
    "mPostOrt",
    "mRegDatKtid",
    "mReklamsparrtyp",
]

# (Bolagsverket form, SCB JurForm, orgnr prefixes, weight)
LEGAL_FORMS = [
    ("AB", "49", ("556", "559", "557", "558"), 70),
    ("HB", "31", ("969", "916"), 8),
    ("KB", "31", ("969",), 2),
    ("EK", "51", ("769", "716"), 2),
    ("BRF", "53", ("769", "716"), 3),
    ("I", "61", ("802",), 3),
    ("S", "72", ("802",), 1),
]
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
BAD_ROW_SHARE = 0.001
SOLE_TRADER_SHARE = 0.08


def check_digit(nine: str) -> str:
    total = 0
    for index, char in enumerate(nine):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if index % 2 == 0 else digit
    return str((10 - total % 10) % 10)


class Companies:
    """Draws realistic companies; every organisation number is used once."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.counters: dict[str, int] = {}
        self.sni_codes = [entry.code for entry in detailed_codes()]
        self.used_persons: set[str] = set()

    def org_number(self, prefixes: tuple[str, ...]) -> str:
        prefix = self.random.choice(prefixes)
        counter = self.counters.get(prefix, self.random.randrange(0, 200_000))
        self.counters[prefix] = counter + 1
        if counter >= 1_000_000:  # this prefix is used up: fall back on the next one
            return self.org_number(tuple(p for p in prefixes if p != prefix) or ("559",))
        nine = f"{prefix}{counter:06d}"
        return nine + check_digit(nine)

    def personnummer(self) -> str:
        rnd = self.random
        while True:
            year = rnd.randint(1940, 2002)
            nine = f"{year % 100:02d}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
            nine += f"{rnd.randint(0, 999):03d}"
            number = f"{year // 100}{nine}{check_digit(nine)}"
            if number not in self.used_persons:
                self.used_persons.add(number)
                return number

    def trade(self) -> tuple[str, list[str]]:
        word, codes = self.random.choice(TRADES)
        if self.random.random() < 0.3:  # some companies are in any industry at all
            codes = [self.random.choice(self.sni_codes)] + codes[:1]
        return word, codes

    def legal_form(self) -> tuple[str, str, tuple[str, ...]]:
        form, jurform, prefixes, _ = self.random.choices(
            LEGAL_FORMS, weights=[entry[3] for entry in LEGAL_FORMS]
        )[0]
        return form, jurform, prefixes

    def company_name(self, form: str, trade: str) -> str:
        rnd = self.random
        if form == "BRF":
            return f"Bostadsrättsföreningen {rnd.choice(STREETS)} {rnd.randint(1, 40)}"
        if form in ("I", "S"):
            kind = "Stiftelsen" if form == "S" else "Föreningen"
            return f"{kind} {rnd.choice(PLACES)} {trade}"
        if form == "EK":
            return f"{rnd.choice(PLACES)} {trade} ekonomisk förening"
        pattern = rnd.randrange(4)
        if pattern == 0:
            base = f"{rnd.choice(PLACES)} {trade}"
        elif pattern == 1:
            base = f"{rnd.choice(SURNAMES)}s {trade}"
        elif pattern == 2:
            base = f"{rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)} {trade}"
        else:
            base = f"{trade} {rnd.choice(PLACES)} {rnd.randint(1, 99)}"
        if form in ("HB", "KB"):
            return f"{base} {form}"
        return f"{base} {rnd.choice(SUFFIXES)}"

    def address(self) -> tuple[str, str, str, str]:
        rnd = self.random
        town, municipality, first, last = rnd.choices(TOWNS, weights=TOWN_WEIGHTS)[0]
        street = f"{rnd.choice(STREETS)} {rnd.randint(1, 120)}"
        if rnd.random() < 0.1:
            street += rnd.choice(" ABC")
        return street.strip(), f"{rnd.randint(first, last)}", town, municipality

    def date(self, first_year: int = 1960, last_year: int = 2025) -> str:
        rnd = self.random
        year = rnd.randint(first_year, last_year)
        return f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"


def bolagsverket_rows(companies: Companies, rows: int) -> Iterator[list[str]]:
    rnd = companies.random
    produced = 0
    while produced < rows:
        if rnd.random() < SOLE_TRADER_SHARE:
            person = companies.personnummer()
            for suffix in range(1, rnd.choice((1, 1, 1, 2, 2, 3)) + 1):
                if produced >= rows:
                    return
                yield bolagsverket_row(companies, person, "PERSON-IDORG", "E", str(suffix))
                produced += 1
            continue
        form, _, prefixes = companies.legal_form()
        yield bolagsverket_row(companies, companies.org_number(prefixes), "ORGNR-IDORG", form, "")
        produced += 1


def bolagsverket_row(companies: Companies, number: str, kind: str, form: str, suffix: str):
    rnd = companies.random
    trade, _ = companies.trade()
    registered = companies.date()
    if form == "E":
        name = f"{rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)}s {trade}"
    else:
        name = companies.company_name(form, trade)
    names = f"{name}$FORETAGSNAMN-ORGNAM${registered}"
    if rnd.random() < 0.05:
        former = companies.company_name(form, trade)
        names += f"|{former}$FORETAGSNAMN-ORGNAM${companies.date(1960, 1999)}"
    if rnd.random() < 0.01:
        names += f"|{name.replace(' AB', '')} Ltd$FORNAMN_FRSPRAK-ORGNAM${registered}"
    deregistered = reason = procedure = ""
    draw = rnd.random()
    if draw < 0.2:
        deregistered = companies.date(int(registered[:4]), 2025)
        if deregistered < registered:
            deregistered = registered
        reason = rnd.choice(DEREGISTRATION_REASONS)
    elif draw < 0.21:
        procedure = f"LI-AVOMFO${companies.date(2023, 2025)}"
    elif draw < 0.212:
        procedure = f"KK-AVOMFO${companies.date(2023, 2025)}"
    street, postcode, town, _ = companies.address()
    care_of = f"c/o {rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)}" if rnd.random() < 0.03 else ""
    if rnd.random() < 0.01:
        lines = [care_of, street, f"{postcode[:3]} {postcode[3:]} {town}", "Sverige"]
        address = "\n".join(line for line in lines if line)
    else:
        address = f"{street}${care_of}${town}${postcode}$SE-LAND"
    description = rnd.choice(DESCRIPTIONS).format(trade=trade.lower(), name=name)
    fields = [
        f"{number}${kind}",
        suffix,
        "SE-LAND",
        names,
        f"{form}-ORGFO",
        deregistered,
        reason,
        procedure,
        registered,
        description,
        address,
    ]
    if rnd.random() < BAD_ROW_SHARE:
        spoil_bolagsverket(rnd, fields)
    return fields


def spoil_bolagsverket(rnd: random.Random, fields: list[str]) -> None:
    kind = rnd.randrange(3)
    if kind == 0:
        number, _, rest = fields[0].partition("$")
        fields[0] = f"{number[:-1]}{(int(number[-1]) + 1) % 10}${rest}"
    elif kind == 1:
        fields[3] = ""
    else:
        fields[8] = fields[8][:5] + "13" + fields[8][7:]


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def scb_rows(companies: Companies, rows: int) -> Iterator[list[str]]:
    rnd = companies.random
    markers = ["1"] * (len(SCB_COLUMNS) - 18)
    for _ in range(rows):
        trade, sni = companies.trade()
        if rnd.random() < SOLE_TRADER_SHARE:
            number = companies.personnummer()
            jurform = "10"
            owner = f"{rnd.choice(SURNAMES)}, {rnd.choice(FIRST_NAMES)}"
            business = f"{owner.split(', ')[1]} {owner.split(', ')[0]}s {trade}"
            names = (business, owner)
        else:
            form, jurform, prefixes = companies.legal_form()
            number = "16" + companies.org_number(prefixes)
            names = ("", companies.company_name(form, trade))
        street, postcode, town, _ = companies.address()
        care_of = f"C/O {rnd.choice(SURNAMES).upper()}" if rnd.random() < 0.03 else ""
        ftgstat = rnd.choices(("1", "0", "9"), weights=(75, 18, 7))[0]
        codes = sni if ftgstat != "0" or rnd.random() < 0.5 else ["00000"]
        codes = (codes + [""] * 5)[:5]
        registered = companies.date().replace("-", "")
        advertising = "2" if rnd.random() < 0.003 else "1"
        row = [
            "1",
            care_of,
            names[0],
            ftgstat,
            street.upper(),
            "1",
            jurform,
            names[1],
            *codes,
            number,
            postcode,
            town,
            registered,
            advertising,
            *markers,
        ]
        if rnd.random() < BAD_ROW_SHARE:
            spoil_scb(rnd, row)
        yield row


def spoil_scb(rnd: random.Random, row: list[str]) -> None:
    kind = rnd.randrange(3)
    if kind == 0:
        row[13] = row[13][:-1] + str((int(row[13][-1]) + 1) % 10)
    elif kind == 1:
        row[2] = row[7] = ""
    else:
        row[16] = row[16][:4] + "13" + row[16][6:]


def write(fmt: str, rows: int, out: Path, seed: int) -> None:
    companies = Companies(seed)
    started = time.monotonic()
    if fmt == "bolagsverket":
        handle = out.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        handle.write(";".join(BOLAGSVERKET_COLUMNS) + "\n")
        lines = (
            ";".join(map(quote, fields)) + "\n" for fields in bolagsverket_rows(companies, rows)
        )
    else:
        handle = out.open("w", encoding="latin-1", newline="", buffering=1 << 20)
        handle.write("\t".join(SCB_COLUMNS) + "\t\r\n")
        lines = ("\t".join(fields) + "\t\r\n" for fields in scb_rows(companies, rows))
    with handle:
        for count, line in enumerate(lines, start=1):
            handle.write(line)
            if count % 100_000 == 0:
                elapsed = time.monotonic() - started
                print(f"{count:>10,} rader  {count / elapsed:,.0f} rader/s", file=sys.stderr)
    elapsed = time.monotonic() - started
    print(f"Klart: {rows:,} rader i {elapsed:.1f} s -> {out}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", required=True, choices=("bolagsverket", "scb"))
    parser.add_argument("--rows", required=True, type=int)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    write(args.format, args.rows, args.out, args.seed)


if __name__ == "__main__":
    main()
