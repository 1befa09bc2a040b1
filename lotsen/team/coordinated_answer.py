"""The coordinated answer (samlat svar): the lead gathers the done contributions into ONE public
reply to the company."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from lotsen.accounts.models import User
from lotsen.audit import services as audit
from lotsen.cases import services as cases
from lotsen.cases.models import Case, Message
from lotsen.team.models import CaseContribution, ContributionState
from lotsen.team.queries import case_contributions
from lotsen.team.rules import OFFICIAL, TeamError, is_lead, require


def compose_coordinated_answer(case: Case, contributions: list[CaseContribution]) -> str:
    """A first draft of the answer: the done contributions under their departments' headings.

    Written in the site's language (the company's), whoever composes it.
    """
    sections: dict[str, list[str]] = {}
    for contribution in contributions:
        if contribution.state != ContributionState.DONE:
            continue
        heading = contribution.department.name if contribution.department else ""
        sections.setdefault(heading, []).append(contribution.answer.strip())
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        parts = [
            _("Hej %(name)s!", name=case.submitter_name),
            _(
                "Här är kommunens samlade svar på din fråga. Vi har stämt av den med alla "
                "förvaltningar som berörs."
            ),
        ]
        for heading, answers in sections.items():
            parts.append(f"### {heading or _('Övrigt')}")
            parts.extend(answers)
        parts.append(_("Hör av dig om något är oklart."))
    return "\n\n".join(parts)


def send_coordinated_answer(actor: User, case: Case, body: str, then_status=None) -> Message:
    """The lead sends the coordinated answer: ONE public reply (mailed to the company, counted
    as the first response). Nothing else of the contributions ever reaches the company."""
    require(is_lead(actor, case), _("Bara ärendets lots kan skicka det samlade svaret."))
    try:
        message = cases.post_public_reply(case, actor, body, (), then_status, coordinated=True)
    except cases.CaseError as error:
        raise TeamError(str(error), "body") from error
    done = [c.id for c in case_contributions(case) if c.state == ContributionState.DONE]
    cases.record_event(
        case,
        actor,
        OFFICIAL,
        "coordinated_answer",
        details={"message_id": message.id, "contribution_ids": done},
    )
    audit.record(actor, "case.coordinated_answer", case, f"Samlat svar i {case.number}")
    return message
