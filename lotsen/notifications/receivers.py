"""Notifications connect to the case signals here (called once by lotsen.create_app)."""

from lotsen.cases.signals import case_assigned
from lotsen.notifications.services import tell_new_lead


def register_receivers() -> None:
    case_assigned.connect(tell_new_lead)
