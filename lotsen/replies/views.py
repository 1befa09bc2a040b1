"""Saved replies: coordinators (and admins) manage them; officials insert them in answers."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.cases.models import Category
from lotsen.extensions import db
from lotsen.replies import services
from lotsen.replies.forms import ArchiveForm, SavedReplyForm
from lotsen.replies.models import SavedReply
from lotsen.writes import button_write, form_write

bp = Blueprint("replies", __name__, url_prefix="/svarsmallar")
managers = roles_required(Role.COORDINATOR, Role.ADMIN)


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.name)))


def data_of(form: SavedReplyForm) -> services.ReplyInput:
    return services.ReplyInput(form.title.data, form.body.data, form.category_id.data)


@bp.route("/")
@managers
def index():
    words = (request.args.get("q") or "")[: services.SEARCH_MAX]
    sort = request.args.get("sortera") if request.args.get("sortera") in services.SORTS else "titel"
    archived = request.args.get("visa") == "arkiverade"
    page = services.list_page(words, sort, archived, request.args.get("after"))
    return render_template(
        "replies/index.html", page=page, words=words, sort=sort, archived=archived
    )


@bp.route("/ny", methods=["GET", "POST"])
@managers
def new():
    form = SavedReplyForm()
    form.offer_categories(categories())
    if form.validate_on_submit():
        with form_write(form, "body") as saved:
            reply = services.create_saved_reply(current_user, data_of(form))
            reply_id = reply.id
        if saved:
            flash(_("Svarsmallen är sparad."), "success")
            return redirect(url_for("replies.edit", reply_id=reply_id))
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "replies/form.html", form=form, reply=None, placeholders=services.PLACEHOLDERS
    )
    return page, status


@bp.route("/<int:reply_id>", methods=["GET", "POST"])
@managers
def edit(reply_id):
    reply = db.get_or_404(SavedReply, reply_id)
    form = SavedReplyForm(obj=reply)
    form.offer_categories(categories())
    if form.validate_on_submit():
        with form_write(form, "body") as saved:
            services.update_saved_reply(current_user, reply, data_of(form))
        if saved:
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("replies.edit", reply_id=reply_id))
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "replies/form.html",
        form=form,
        reply=reply,
        archive_form=ArchiveForm(),
        events=services.history(reply),
        placeholders=services.PLACEHOLDERS,
    )
    return page, status


@bp.route("/<int:reply_id>/arkivera", methods=["POST"])
@managers
def archive(reply_id):
    reply = db.get_or_404(SavedReply, reply_id)
    if ArchiveForm().validate_on_submit():
        archived = request.form.get("restore") != "1"
        with button_write() as saved:
            services.set_archived(current_user, reply, archived)
        if saved:
            flash(_("Mallen är arkiverad.") if archived else _("Mallen är återställd."), "success")
    return redirect(url_for("replies.edit", reply_id=reply_id))
