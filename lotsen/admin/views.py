from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from lotsen.accounts import services as accounts
from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Department, Role, User
from lotsen.admin import services
from lotsen.admin.forms import CategoryForm, DepartmentForm, SettingsForm, UserForm
from lotsen.audit.models import AuditEvent
from lotsen.audit.queries import audit_history
from lotsen.cases.models import Category
from lotsen.extensions import db
from lotsen.form_fields import ConfirmForm
from lotsen.inbound.models import NEEDS_ATTENTION, InboundMessage, InboundOutcome
from lotsen.inbound.source import eml_response
from lotsen.mail.models import OutboxMessage, OutboxStatus
from lotsen.mail.services import retry_message
from lotsen.pagination import paginate
from lotsen.webhooks.queries import turned_off_by_failures
from lotsen.writes import button_write, form_write

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)

USER_SORTS = {"name": User.name, "email": User.email, "created": User.created_at}


@bp.route("/")
@admin_only
def index():
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User).where(User.active)),
        "departments": db.session.scalar(select(func.count()).select_from(Department)),
        "categories": db.session.scalar(select(func.count()).select_from(Category)),
        "failed_mail": db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
        ),
    }
    return render_template("admin/index.html", counts=counts, webhooks_off=turned_off_by_failures())


# --- Users -----------------------------------------------------------------------------------


def user_query(search: str, status: str):
    query = select(User)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if status == "active":
        query = query.where(User.active)
    elif status == "inactive":
        query = query.where(~User.active)
    return query


@bp.route("/anvandare")
@admin_only
def users():
    search = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "active")
    sort = request.args.get("sort", "name")
    sort_column = USER_SORTS.get(sort, User.name)
    page = paginate(
        user_query(search, status),
        sort_column,
        User.id,
        request.args.get("after"),
        current_app.config["PAGE_SIZE"],
        descending=sort == "created",
    )
    return render_template("admin/users.html", page=page, search=search, status=status, sort=sort)


def user_form(user: User | None = None) -> UserForm:
    choices = [(d.id, d.name) for d in accounts.active_departments()]
    if user is not None:
        choices += [(d.id, d.name) for d in user.departments if not d.active]
    return UserForm(obj=user, department_choices=choices)


def user_data_from(form: UserForm) -> accounts.UserData:
    departments = list(
        db.session.scalars(select(Department).where(Department.id.in_(form.departments.data)))
    )
    return accounts.UserData(
        email=form.email.data,
        name=form.name.data,
        title=form.title.data,
        phone=form.phone.data,
        roles={Role(value) for value in form.roles.data},
        departments=departments,
    )


@bp.route("/anvandare/ny", methods=["GET", "POST"])
@admin_only
def create_user():
    form = user_form()
    if request.method == "GET":
        form.roles.data = [Role.OFFICIAL.value]
    if form.validate_on_submit():
        with form_write(form, "email") as saved:
            user = accounts.create_user(current_user, user_data_from(form))
        if saved:
            flash(
                _(
                    "Kontot för %(name)s är skapat. En länk för att välja lösenord har skickats.",
                    name=user.name,
                ),
                "success",
            )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    form = user_form(user)
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.departments.data = [d.id for d in user.departments]
    if form.validate_on_submit():
        with form_write(form, "roles") as saved:
            accounts.update_user(current_user, user, user_data_from(form))
        if saved:
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    history = audit_history("users", user.id)
    return render_template("admin/user_form.html", form=form, user=user, history=history)


@bp.route("/anvandare/<int:user_id>/aktiv", methods=["POST"])
@admin_only
def set_user_active(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        activate = request.form.get("active") == "1"
        with button_write() as saved:
            accounts.set_user_active(current_user, user, activate)
        if saved:
            if activate:
                flash(_("Kontot är aktiverat igen."), "success")
            else:
                flash(_("Kontot är inaktiverat. Personen är utloggad överallt."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/anvandare/<int:user_id>/losenordslank", methods=["POST"])
@admin_only
def send_password_link(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit() and user.active:
        with button_write() as saved:
            accounts.send_password_link(user)
        if saved:
            flash(
                _("En länk för att välja lösenord har skickats till %(email)s.", email=user.email),
                "success",
            )
    return redirect(url_for("admin.edit_user", user_id=user.id))


# --- Departments and categories ------------------------------------------------------------


@bp.route("/avdelningar")
@admin_only
def departments():
    rows = db.session.execute(
        select(Department, func.count(User.id))
        .outerjoin(Department.members)
        .group_by(Department.id)
        .order_by(Department.active.desc(), Department.name)
    ).all()
    return render_template("admin/departments.html", rows=rows)


@bp.route("/avdelningar/ny", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/avdelningar/<int:department_id>", methods=["GET", "POST"])
@admin_only
def edit_department(department_id):
    department = db.get_or_404(Department, department_id) if department_id else None
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        with form_write(form, "name") as saved:
            services.save_department(
                current_user,
                department,
                name=form.name.data,
                short_name=form.short_name.data or None,
                email=(form.email.data or "").strip().lower() or None,
                active=form.active.data,
            )
        if saved:
            flash(_("Avdelningen är sparad."), "success")
            return redirect(url_for("admin.departments"))
    history = audit_history("departments", department.id) if department else []
    return render_template(
        "admin/department_form.html", form=form, department=department, history=history
    )


def flash_recomputed(recomputed) -> None:
    """What a change of service targets did to the category's cases."""
    if recomputed is None:
        return
    flash(
        _(
            "Servicegarantin är ändrad och tiderna för %(count)s ärenden är omräknade.",
            count=recomputed.cases,
        ),
        "info",
    )
    if recomputed.deferred:
        flash(
            _(
                "%(count)s avslutade ärenden får nya tider först när kommandot "
                "flask lotsen recompute-figures har körts.",
                count=recomputed.deferred,
            ),
            "info",
        )


@bp.route("/kategorier")
@admin_only
def categories():
    rows = db.session.scalars(
        select(Category).order_by(Category.active.desc(), Category.sort_order, Category.name)
    ).all()
    return render_template("admin/categories.html", rows=rows)


@bp.route("/kategorier/ny", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/kategorier/<int:category_id>", methods=["GET", "POST"])
@admin_only
def edit_category(category_id):
    category = db.get_or_404(Category, category_id) if category_id else None
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        with form_write(form, "name") as saved:
            result = services.save_category(
                current_user,
                category,
                name=form.name.data,
                help_text=(form.help_text.data or "").strip(),
                sort_order=form.sort_order.data,
                active=form.active.data,
                target_first_response_hours=form.target_first_response_hours.data,
                target_resolution_days=form.target_resolution_days.data,
            )
        if saved:
            flash(_("Kategorin är sparad."), "success")
            flash_recomputed(result.recomputed)
            return redirect(url_for("admin.categories"))
    history = audit_history("categories", category.id) if category else []
    return render_template(
        "admin/category_form.html", form=form, category=category, history=history
    )


# --- Settings, audit log and mail ----------------------------------------------------------


@bp.route("/installningar", methods=["GET", "POST"])
@admin_only
def settings():
    form = SettingsForm(data=services.get_settings())
    if form.validate_on_submit():
        with form_write(form) as saved:
            services.save_settings(
                current_user,
                {key: getattr(form, key).data or "" for key in services.SETTING_DEFAULTS},
            )
        if saved:
            flash(_("Inställningarna är sparade."), "success")
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form)


@bp.route("/logg")
@admin_only
def audit_log():
    page = paginate(
        select(AuditEvent),
        AuditEvent.id,
        AuditEvent.id,
        request.args.get("after"),
        current_app.config["PAGE_SIZE"],
        descending=True,
    )
    return render_template("admin/audit_log.html", page=page)


@bp.route("/e-post")
@admin_only
def outbox():
    status = request.args.get("status", "failed")
    query = select(OutboxMessage)
    if status in set(OutboxStatus):
        query = query.where(OutboxMessage.status == status)
    page = paginate(
        query,
        OutboxMessage.id,
        OutboxMessage.id,
        request.args.get("after"),
        current_app.config["PAGE_SIZE"],
        descending=True,
    )
    return render_template("admin/outbox.html", page=page, status=status)


@bp.route("/e-post/<int:message_id>/forsok-igen", methods=["POST"])
@admin_only
def retry_mail(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    if ConfirmForm().validate_on_submit():
        with button_write() as saved:
            retry_message(message)
        if saved:
            flash(_("Meddelandet skickas på nytt."), "success")
    return redirect(url_for("admin.outbox", status="failed"))


@bp.route("/inkommande-e-post")
@admin_only
def inbound_mail():
    """Mail the fetcher could not turn into a case message (failed or throttled), newest first."""
    outcome = request.args.get("outcome", "attention")
    query = select(InboundMessage)
    if outcome in set(InboundOutcome):
        query = query.where(InboundMessage.outcome == outcome)
    else:
        outcome = "attention"
        query = query.where(InboundMessage.outcome.in_([str(o) for o in NEEDS_ATTENTION]))
    page = paginate(
        query,
        InboundMessage.id,
        InboundMessage.id,
        request.args.get("after"),
        current_app.config["PAGE_SIZE"],
        descending=True,
    )
    return render_template(
        "admin/inbound_mail.html", page=page, outcome=outcome, outcomes=list(InboundOutcome)
    )


@bp.route("/inkommande-e-post/<int:record_id>/original.eml")
@admin_only
def inbound_mail_source(record_id):
    return eml_response(db.get_or_404(InboundMessage, record_id))
