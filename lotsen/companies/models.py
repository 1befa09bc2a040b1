"""What a company is: identity, register facts, industries (SNI), tags, contacts and imports.

The search structures that SQLAlchemy cannot express (SQLite FTS5 table and triggers, PostgreSQL
term table and triggers) are written by hand in lotsen/companies/search_index.py (created by
migration 0009); their names are listed in HAND_WRITTEN_SEARCH_OBJECTS so that Alembic leaves
them alone.
"""

import enum
import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db

# Names of schema objects created by hand in the migrations (prefix match).
HAND_WRITTEN_SEARCH_OBJECTS = (
    "company_search",  # SQLite FTS5 table company_search, its shadow tables and triggers;
    # PostgreSQL table company_search_terms, its triggers and functions
    "pk_company_search_terms",
    "ix_companies_fulltext",  # PostgreSQL GIN full-text index (swedish) on search_vector
    "search_vector",  # PostgreSQL stored generated tsvector column of companies
)


class CompanyStatus(enum.StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"
    LIQUIDATION = "liquidation"


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


SIZE_CLASSES = ("0", "1-4", "5-9", "10-19", "20-49", "50-99", "100-199", "200-499", "500+")
SOURCES = ("bolagsverket", "scb", "csv", "manual")
IMPORT_FORMATS = ("bolagsverket", "scb", "csv")

# Fields that a register import may set; editing one by hand protects it from later imports.
REGISTER_FIELDS = (
    "name",
    "former_names",
    "legal_form",
    "street_address",
    "postal_code",
    "town",
    "municipality_code",
    "registered_on",
    "status",
    "deregistered_on",
    "deregistration_reason",
    "description",
    "size_class",
    "advertising_blocked",
    "sni_codes",
)


# Swedish alphabetical order: å, ä, ö come after z (and æ, ø, ü, é sort with them as in SAOL).
SWEDISH_SORT_LETTERS = str.maketrans(
    {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y", "é": "e", "è": "e", "á": "a"}
)
# Every character of a sort key is one of these, in byte order (a letter outside the Swedish
# alphabet that has no accent to strip becomes "~": it sorts after ö).
SORT_ALPHABET = " 0123456789abcdefghijklmnopqrstuvwxyz{|}~"
# The name key: the first NAME_KEY_CHARACTERS of the sort key as a number (base
# len(SORT_ALPHABET) + 1, 0 for "no more characters") above the company id's 32 bits. It orders
# companies like (sort_name, id) except among names that share those first characters; search
# structures keyed by it hand out matches in (almost) list order, see companies.search.
NAME_KEY_CHARACTERS = 5
NAME_KEY_BASE = len(SORT_ALPHABET) + 1
ID_BITS = 32
# SQLite's FTS5 table keeps prefix indexes of these lengths (a prefix query of another length
# would merge the postings of every term it begins); see companies.search.
FTS_PREFIX_LENGTHS = tuple(range(1, 13))


def name_sort_key(name: str) -> str:
    """The key a company name sorts by: casefolded, accents stripped, punctuation as spaces,
    single spaces, å/ä/ö after z; only characters of SORT_ALPHABET."""
    folded = unicodedata.normalize("NFC", name).casefold().translate(SWEDISH_SORT_LETTERS)
    characters = []
    for character in unicodedata.normalize("NFKD", folded):
        if character in SORT_ALPHABET:
            characters.append(character)
        elif unicodedata.combining(character):
            continue
        elif character.isalnum():
            characters.append("~")
        else:
            characters.append(" ")
    return " ".join("".join(characters).split())[:250]


def name_bucket(sort_name: str) -> int:
    """The name key's upper part: the first NAME_KEY_CHARACTERS of a sort key as a number."""
    bucket = 0
    for position in range(NAME_KEY_CHARACTERS):
        digit = 0
        if position < len(sort_name):
            digit = SORT_ALPHABET.index(sort_name[position]) + 1
        bucket = bucket * NAME_KEY_BASE + digit
    return bucket


def name_key(sort_name: str, company_id: int) -> int:
    return (name_bucket(sort_name) << ID_BITS) | company_id


def bucket_prefix(bucket: int) -> str:
    """The sort-key prefix that all names of `bucket` share (shorter for short names)."""
    digits = []
    for _ in range(NAME_KEY_CHARACTERS):
        bucket, digit = divmod(bucket, NAME_KEY_BASE)
        digits.append(digit)
    return "".join(SORT_ALPHABET[d - 1] for d in reversed(digits) if d)


def name_key_sql(sort_name: str, company_id: str) -> str:
    """name_key() as an SQLite expression over two column expressions (for the search triggers).
    The padding "!" is not in SORT_ALPHABET, so instr() counts a missing character as 0."""
    bucket = "0"
    for position in range(1, NAME_KEY_CHARACTERS + 1):
        digit = f"instr('{SORT_ALPHABET}', substr({sort_name} || '!!!!!', {position}, 1))"
        bucket = f"({bucket}) * {NAME_KEY_BASE} + {digit}"
    return f"(({bucket}) * {1 << ID_BITS} + {company_id})"


def _in(values) -> str:
    return "IN (" + ", ".join(f"'{value}'" for value in values) + ")"


company_tags = Table(
    "company_tags",
    db.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_company_tags_tag", "tag_id", "company_id"),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored in lower case with single spaces (services.normalise_tag), so unique means unique.
    name: Mapped[str] = mapped_column(String(60), unique=True)

    def __str__(self) -> str:
        return self.name


class Company(db.Model):
    __tablename__ = "companies"
    __table_args__ = (
        UniqueConstraint("org_number", "registration_suffix"),
        CheckConstraint(f"status {_in(CompanyStatus)}", name="status"),
        CheckConstraint(f"size_class IS NULL OR size_class {_in(SIZE_CLASSES)}", name="size_class"),
        CheckConstraint(f"source {_in(SOURCES)}", name="source"),
        CheckConstraint("registration_suffix >= 0", name="registration_suffix"),
        Index("ix_companies_sort_name", "sort_name", "id"),
        Index("ix_companies_town", "town", "sort_name", "id"),
        Index("ix_companies_registered_on", "registered_on", "id"),
        Index("ix_companies_municipality", "municipality_code", "sort_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 10 digits for legal persons, 12 (YYYYMMDDNNNN) for a sole trader's personnummer.
    org_number: Mapped[str] = mapped_column(String(12))
    # Bolagsverket's namnskyddslöpnummer: one personnummer may carry several registrations.
    registration_suffix: Mapped[int] = mapped_column(default=0)
    is_personal: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(250))
    # Casefolded name with å, ä, ö after z: sorts in Swedish order on every backend, provided
    # the comparison is bytewise (COLLATE "C" on PostgreSQL, whatever the database's locale).
    sort_name: Mapped[str] = mapped_column(
        String(250).with_variant(String(250, collation="C"), "postgresql")
    )
    former_names: Mapped[list] = mapped_column(JSON, default=list)
    legal_form: Mapped[str | None] = mapped_column(String(20))
    street_address: Mapped[str | None] = mapped_column(String(250))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    town: Mapped[str | None] = mapped_column(String(80))
    municipality_code: Mapped[str | None] = mapped_column(String(4))
    registered_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(15), default=CompanyStatus.ACTIVE)
    deregistered_on: Mapped[date | None] = mapped_column(Date)
    deregistration_reason: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(250))
    notes: Mapped[str | None] = mapped_column(Text)
    size_class: Mapped[str | None] = mapped_column(String(10))
    employee_count: Mapped[int | None]
    employee_count_on: Mapped[date | None] = mapped_column(Date)
    employee_count_source: Mapped[str | None] = mapped_column(String(100))
    advertising_blocked: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    manually_edited_fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL")
    )

    sni_codes: Mapped[list["CompanySniCode"]] = relationship(
        back_populates="company",
        cascade="all, delete-orphan",
        order_by="CompanySniCode.position",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=company_tags, order_by=Tag.name)
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="Contact.name"
    )
    merged_into: Mapped["Company | None"] = relationship(remote_side=[id])

    @property
    def primary_sni(self) -> "CompanySniCode | None":
        return next((code for code in self.sni_codes if code.is_primary), None)

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def __str__(self) -> str:
        return self.name


class CompanySniCode(db.Model):
    __tablename__ = "company_sni_codes"
    __table_args__ = (
        UniqueConstraint("company_id", "position"),
        Index("ix_company_sni_codes_section", "section", "company_id"),
        Index("ix_company_sni_codes_code", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(5))
    sni_version: Mapped[str] = mapped_column(String(10))
    # The section letter (A–U) of the code, stored so the list can filter on it with an index.
    section: Mapped[str | None] = mapped_column(String(1))
    is_primary: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    company: Mapped[Company] = relationship(back_populates="sni_codes")


class Contact(db.Model):
    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_company", "company_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    # E.164 without spaces, e.g. +46701234567; shown as 070-123 45 67.
    phone: Mapped[str | None] = mapped_column(String(20))
    # Why we hold this person's data (GDPR: the legal basis and purpose, in plain words).
    data_basis: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship(back_populates="contacts")

    def __str__(self) -> str:
        return self.name


class ImportRun(db.Model):
    __tablename__ = "import_runs"
    __table_args__ = (
        CheckConstraint(f"status {_in(ImportStatus)}", name="status"),
        CheckConstraint(f"format {_in(IMPORT_FORMATS)}", name="format"),
        Index("ix_import_runs_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))  # as uploaded, for people
    stored_path: Mapped[str] = mapped_column(String(500))  # where the file lies on disk
    format: Mapped[str] = mapped_column(String(20))
    only_postcodes: Mapped[list] = mapped_column(JSON, default=list)
    only_towns: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=ImportStatus.QUEUED)
    rows_read: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)  # outside the postcode/town filter
    progress: Mapped[int] = mapped_column(default=0)  # per cent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the run is claimed and with every committed batch: a running run whose heartbeat
    # is older than IMPORT_STALE_MINUTES was killed (its worker died) and may be resumed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_path: Mapped[str | None] = mapped_column(String(500))
    message: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    started_by = relationship("User", lazy="joined")

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    def is_interrupted(self, now: datetime, stale_after: timedelta) -> bool:
        """Running, but no sign of life for `stale_after`: its worker was killed."""
        last_seen = self.heartbeat_at or self.started_at or self.created_at
        return self.status == ImportStatus.RUNNING and last_seen < now - stale_after


class PersonalNumberSearch(db.Model):
    """A search (company or case list) holding a personnummer, kept on the server and referred
    to by a random token in the list's URL (never the number itself: URLs land in access logs
    and browser history, and the session is a cookie). Only its official can use the token."""

    __tablename__ = "personal_number_searches"
    __table_args__ = (Index("ix_personal_number_searches_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    query: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
