"""The error of the triage domain."""


class TriageError(ValueError):
    """A rule about routing or assignment was broken; the message is for the user (Swedish)."""
