"""The survey connects to the case signals here (called once by lotsen.create_app)."""

from lotsen.cases.signals import case_closed
from lotsen.survey.services import invite_after_closing


def register_receivers() -> None:
    case_closed.connect(invite_after_closing)  # the invitation mail joins the closing's transaction
