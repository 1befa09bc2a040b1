"""The error of the triage domain."""

from lotsen.domain_errors import DomainError


class TriageError(DomainError):
    """A rule about routing or assignment was broken; the message is for the user (Swedish)."""
