"""Förvaltningslagen 11 §: telling the company that its case will be late (förseningsbesked).

The notice also tells the company of its right under 12 § to ask for a decision once the case
is six months old; such a request is recorded on the case (cases.services.record_decision_request).

When a case will clearly miss its resolution target, its lead is prompted on the case page to
send the company a delay notice: a public reply from a template with the reason and a new
expected date, logged as a CaseEvent of kind "delay_notice".

services.py holds the rules, forms.py the form, views.py the blueprint.
"""
