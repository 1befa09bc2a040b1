"""The versioned REST API (/api/v1) for the municipality's other systems.

An admin issues a token per integration (lotsen.api.tokens, pages in lotsen.api.admin); the token
acts as one account, whose roles and departments the UI's own access rules judge, narrowed by the
token's scopes (lotsen.api.auth). The resources are thin views over the same services as the UI:
cases (lotsen.api.cases), companies (lotsen.api.companies), visits and follow-ups
(lotsen.api.visits), the dashboard figures and the survey results (lotsen.api.figures). Schemas
are declared once (lotsen.api.schemas): webargs validates requests with them and apispec writes
the OpenAPI document from them (flask-smorest, lotsen.api.spec).
"""
