"""Survey answers for the closed demo cases (their invitations are queued when they close)."""

import random

from sqlalchemy import select

from lotsen.extensions import db
from lotsen.survey import services
from lotsen.survey.models import FACTORS, SurveyInvitation, SurveyResponse


def load_demo_answers() -> int:
    """Answer most demo invitations with plausible scores, unless any answer exists already."""
    if db.session.scalar(select(SurveyResponse.id).limit(1)) is not None:
        return 0
    rng = random.Random(7)
    invitations = db.session.scalars(
        select(SurveyInvitation)
        .where(SurveyInvitation.answered_at.is_(None))
        .order_by(SurveyInvitation.id)
    )
    answered = 0
    for invitation in invitations:
        if rng.random() < 0.2:  # about one in five does not answer
            continue
        mood = rng.choice((4, 5, 5, 6))
        answers = {name: max(1, min(6, mood + rng.choice((-1, 0, 0, 1)))) for name in FACTORS}
        nki_base = mood + 3
        answers |= {
            name: max(1, min(10, nki_base + rng.choice((-1, 0, 1))))
            for name in ("overall", "expectations", "ideal")
        }
        comment = rng.choice(("", "", "Snabbt svar och trevligt bemötande.", "Tog lite lång tid."))
        services.record_response(invitation, answers, comment)
        answered += 1
    return answered
