"""The search form: words and filters, read from the query string (GET, no CSRF)."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from lotsen.accounts.models import Department, User
from lotsen.cases.models import CaseStatus, Category
from lotsen.companies.orgnr import mask_personal_numbers
from lotsen.extensions import db
from lotsen.routing import bounded_int
from lotsen.search.queries import SORTS, SearchFilters
from lotsen.search.text import MAX_QUERY_LENGTH

EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


def strip(value):
    return value.strip() if isinstance(value, str) else value


class CaseSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Sökord"), filters=[strip], validators=[Optional(), Length(max=MAX_QUERY_LENGTH)]
    )
    status = SelectField(_l("Status"), validate_choice=False)
    category = SelectField(_l("Kategori"), validate_choice=False)
    department = SelectField(_l("Avdelning"), validate_choice=False)
    lead = SelectField(_l("Lots"), validate_choice=False)
    received_from = DateField(_l("Inkom från"), validators=[Optional()])
    received_to = DateField(_l("Inkom till"), validators=[Optional()])
    sort = SelectField(_l("Sortera"), validate_choice=False)


def search_form(args) -> CaseSearchForm:
    """The form filled from `args`, with its choices, and Swedish errors for values that are
    not among them (a hand-edited link); such values are then ignored."""
    form = CaseSearchForm(args)
    form.validate()
    everything = [("", _("Alla"))]
    form.status.choices = [
        ("all", _("Alla")),
        ("open", _("Alla öppna")),
        ("resolved", _("Besvarade eller stängda")),
    ] + [(s.value, s.label) for s in CaseStatus]
    form.category.choices = everything + [
        (str(c.id), c.name) for c in db.session.scalars(select(Category).order_by(Category.name))
    ]
    form.department.choices = everything + [
        (str(d.id), d.name)
        for d in db.session.scalars(select(Department).order_by(Department.name))
    ]
    form.lead.choices = everything + [
        (str(u.id), u.name)
        for u in db.session.scalars(select(User).where(User.active).order_by(User.name))
    ]
    form.sort.choices = [
        ("relevance", _("Bäst träff först")),
        ("date", _("Senast registrerade först")),
    ]
    reject_unknown(form)
    return form


def reject_unknown(form: CaseSearchForm) -> None:
    if form.q.errors:
        form.q.errors = [_("Skriv högst %(n)s tecken.", n=MAX_QUERY_LENGTH)]
    elif form.q.data and mask_personal_numbers(form.q.data) != form.q.data:
        form.q.errors = [_("Sök inte på personnummer här. Använd sökfältet i ärendelistan.")]
    for field in (form.received_from, form.received_to):
        if field.errors:
            field.errors = [_("Skriv datumet som ÅÅÅÅ-MM-DD.")]
        elif field.data is not None and not EARLIEST <= field.data <= LATEST:
            field.errors = [_("Välj ett datum mellan 1970 och 2999.")]
    for field in (form.status, form.category, form.department, form.lead, form.sort):
        known = {str(value) for value, _label in field.choices}
        if field.data and field.data not in known:
            field.errors = [_("Välj ett av alternativen i listan.")]


def valid(field):
    return None if field.errors else field.data


def filters_from(form: CaseSearchForm) -> SearchFilters:
    def number(field):
        value = valid(field)
        return bounded_int(str(value)) if value else None

    return SearchFilters(
        text=valid(form.q) or "",
        status=valid(form.status) or "all",
        category_id=number(form.category),
        department_id=number(form.department),
        lead_id=number(form.lead),
        received_from=valid(form.received_from),
        received_to=valid(form.received_to),
        sort=form.sort.data if valid(form.sort) in SORTS else "relevance",
    )
