"""The admins' webhook pages (Administration → Webhooks): endpoints, their log, redelivery."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.audit.queries import audit_history
from lotsen.extensions import db
from lotsen.form_fields import ConfirmForm
from lotsen.webhooks import endpoints as services
from lotsen.webhooks import queries
from lotsen.webhooks.forms import EndpointForm
from lotsen.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from lotsen.writes import button_write, form_write

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")
admin_only = roles_required(Role.ADMIN)


def live_endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.get_or_404(WebhookEndpoint, endpoint_id)
    if endpoint.deleted_at is not None:
        abort(404)
    return endpoint


def endpoint_data(form: EndpointForm) -> services.EndpointData:
    return services.EndpointData(
        url=form.url.data or "", description=form.description.data or "", events=form.events.data
    )


@bp.route("/")
@admin_only
def endpoints():
    return render_template(
        "webhooks/endpoints.html",
        rows=queries.live_endpoints(),
        max_endpoints=services.MAX_ENDPOINTS,
    )


@bp.route("/ny", methods=["GET", "POST"])
@admin_only
def create_endpoint():
    form = EndpointForm()
    if form.validate_on_submit():
        with form_write(form, "url") as saved:
            endpoint = services.create_endpoint(current_user, endpoint_data(form))
        if saved:
            flash(
                _(
                    "Slutpunkten är registrerad. Ge det mottagande systemet hemligheten nedan, "
                    "så att det kan kontrollera signaturerna."
                ),
                "success",
            )
            return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint.id))
    return render_template("webhooks/endpoint_form.html", form=form, endpoint=None)


@bp.route("/<int:endpoint_id>")
@admin_only
def endpoint(endpoint_id):
    endpoint = live_endpoint_or_404(endpoint_id)
    status = request.args.get("status", "all")
    page = queries.deliveries_page(
        endpoint.id, status, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "webhooks/endpoint.html",
        endpoint=endpoint,
        page=page,
        status=status if status in set(DeliveryStatus) else "all",
        statuses=list(DeliveryStatus),
        history=audit_history("webhook_endpoints", endpoint.id),
    )


@bp.route("/<int:endpoint_id>/andra", methods=["GET", "POST"])
@admin_only
def edit_endpoint(endpoint_id):
    endpoint = live_endpoint_or_404(endpoint_id)
    form = EndpointForm(obj=endpoint)
    if form.validate_on_submit():
        with form_write(form, "url") as saved:
            services.update_endpoint(current_user, endpoint, endpoint_data(form))
        if saved:
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint.id))
    return render_template("webhooks/endpoint_form.html", form=form, endpoint=endpoint)


@bp.route("/<int:endpoint_id>/aktiv", methods=["POST"])
@admin_only
def set_enabled(endpoint_id):
    endpoint = live_endpoint_or_404(endpoint_id)
    if ConfirmForm().validate_on_submit():
        enable = request.form.get("enabled") == "1"
        with button_write() as saved:
            services.set_enabled(current_user, endpoint, enable)
        if saved:
            if enable:
                flash(_("Slutpunkten är påslagen. Väntande leveranser skickas nu."), "success")
            else:
                flash(_("Slutpunkten är avstängd. Inga händelser skickas dit."), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint_id))


@bp.route("/<int:endpoint_id>/ny-hemlighet", methods=["POST"])
@admin_only
def rotate_secret(endpoint_id):
    endpoint = live_endpoint_or_404(endpoint_id)
    if ConfirmForm().validate_on_submit():
        with button_write() as saved:
            services.rotate_secret(current_user, endpoint)
        if saved:
            flash(
                _(
                    "Slutpunkten har en ny hemlighet. Den gamla signerar också i %(hours)s "
                    "timmar till, så att det mottagande systemet hinner byta.",
                    hours=current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"],
                ),
                "success",
            )
    return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint_id))


@bp.route("/<int:endpoint_id>/skicka-igen", methods=["POST"])
@admin_only
def redeliver_failed(endpoint_id):
    endpoint = live_endpoint_or_404(endpoint_id)
    if ConfirmForm().validate_on_submit():
        with button_write() as saved:
            count = services.redeliver_failed(current_user, endpoint)
        if saved:
            flash(_("%(count)s misslyckade leveranser skickas igen.", count=count), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint_id))


@bp.route("/<int:endpoint_id>/ta-bort", methods=["GET", "POST"])
@admin_only
def delete_endpoint(endpoint_id):
    endpoint = live_endpoint_or_404(endpoint_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with button_write() as saved:
            services.delete_endpoint(current_user, endpoint)
        if saved:
            flash(_("Slutpunkten är borttagen."), "success")
            return redirect(url_for("webhooks.endpoints"))
    return render_template("webhooks/delete.html", endpoint=endpoint, form=form)


@bp.route("/leveranser/<int:delivery_id>")
@admin_only
def delivery(delivery_id):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    endpoint = live_endpoint_or_404(delivery.endpoint_id)
    page = queries.attempts_page(
        delivery.id, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "webhooks/delivery.html",
        delivery=delivery,
        endpoint=endpoint,
        page=page,
        payload=queries.readable_payload(delivery.payload),
    )


@bp.route("/leveranser/<int:delivery_id>/skicka-igen", methods=["POST"])
@admin_only
def redeliver(delivery_id):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    live_endpoint_or_404(delivery.endpoint_id)
    if ConfirmForm().validate_on_submit():
        with button_write() as saved:
            services.redeliver(current_user, delivery)
        if saved:
            flash(_("Leveransen skickas igen."), "success")
    target = request.form.get("back") == "endpoint"
    if target:
        return redirect(url_for("webhooks.endpoint", endpoint_id=delivery.endpoint_id))
    return redirect(url_for("webhooks.delivery", delivery_id=delivery_id))
