"""The SNI 2007 industry classification (Svensk näringsgrensindelning), shipped as a CSV file.

`data/sni2007.csv` holds the 21 sections (level 1, letters A-U) and the 821 detailed groups
(level 5, "detaljgrupper", five digits) with SCB's Swedish titles; see `data/README.md` for its
source. It is read once, on first use, and kept in a module-level cache.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SNI_VERSION = "SNI2007"
SNI_TABLE_PATH = Path(__file__).with_name("data") / "sni2007.csv"

# SCB writes 00000 when the industry is unknown; it is not a code of the classification.
UNKNOWN_CODE = "00000"


@dataclass(frozen=True, slots=True)
class SniCode:
    code: str
    level: int
    title: str
    section: str


@cache
def _table() -> dict[str, SniCode]:
    with SNI_TABLE_PATH.open(encoding="utf-8", newline="") as table_file:
        rows = csv.DictReader(table_file, delimiter=";")
        return {
            row["code"]: SniCode(row["code"], int(row["level"]), row["title_sv"], row["section"])
            for row in rows
        }


def detailed_codes() -> list[SniCode]:
    """The five-digit detailed groups, in code order."""
    return [entry for entry in _table().values() if entry.level == 5]


def sections() -> list[tuple[str, str]]:
    """(letter, Swedish title) for the sections A-U."""
    return [(entry.code, entry.title) for entry in _table().values() if entry.level == 1]


def normalise_sni_code(raw: str | None) -> str | None:
    """The five-digit SNI 2007 code for `raw`, or None when it is not a code of the table.

    Accepts "56100", "56.100", " 56100 ", a section letter ("I"), and a four-digit group whose
    detailed group ends in 0 ("5610" -> "56100"). A four-digit value whose leading zero was lost
    on the way through a spreadsheet ("1110" -> "01110") is also recognised.
    """
    if not raw:
        return None
    table = _table()
    code = raw.strip()
    if code in table:
        return code
    code = code.replace(".", "").replace(" ", "").upper()
    if code in table:
        return code
    if len(code) == 4 and code.isdigit():
        for candidate in (code + "0", "0" + code):
            if candidate in table:
                return candidate
    return None


def sni_title(code: str | None) -> str | None:
    """The Swedish title of an SNI 2007 code or section letter, or None when unknown."""
    normalised = normalise_sni_code(code)
    return _table()[normalised].title if normalised else None


def sni_section(code: str | None) -> str | None:
    """The section letter (A-U) of an SNI 2007 code, or None when unknown."""
    normalised = normalise_sni_code(code)
    return _table()[normalised].section if normalised else None


def __getattr__(name: str) -> list[tuple[str, str]]:
    # SECTIONS is computed on first access so importing this module never reads the file.
    if name == "SECTIONS":
        return sections()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
