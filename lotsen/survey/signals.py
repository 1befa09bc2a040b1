"""What happens in the satisfaction survey, told to the domains above that react to it.

survey_answered(response, invitation)
    A business owner answered the survey about a closed case (once per invitation); sent once
    the response has its id. Webhooks tell integrations (which case, not the answers).
"""

from lotsen.cases.signals import OrderedNamespace

signals = OrderedNamespace()

survey_answered = signals.signal("survey-answered")
