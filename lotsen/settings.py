"""Settings that an admin edits in the UI, one row per key."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lotsen.db_types import UTCDateTime, utcnow
from lotsen.extensions import db

# Settings an admin can change, with their defaults. E-mail is signed with the team's and the
# municipality's name, phone and address from here (lotsen.mail.services.signature).
SETTING_DEFAULTS = {
    "organisation_name": "Lerums kommun",
    "team_name": "Lotsgruppen",
    "team_email": "lotsgruppen@kommun.example",
    "team_phone": "0302-52 10 00",
}


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
