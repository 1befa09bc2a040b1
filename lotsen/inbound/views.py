"""The source (.eml) of a message that came by e-mail, for the officials who may read its case."""

from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import select

from lotsen.accounts.access import roles_required
from lotsen.accounts.models import Role
from lotsen.cases.access import may_view_case
from lotsen.cases.models import Case, Message
from lotsen.extensions import db
from lotsen.inbound.models import InboundMessage
from lotsen.inbound.source import eml_response

bp = Blueprint("inbound", __name__, url_prefix="/arenden")
readers = roles_required(Role.OFFICIAL, Role.COORDINATOR, Role.MANAGER)


@bp.route("/<int:case_id>/meddelanden/<int:message_id>/original.eml")
@readers
def message_source(case_id, message_id):
    message = db.session.get(Message, message_id)
    if message is None or message.case_id != case_id:
        abort(404)
    if not may_view_case(current_user, db.session.get(Case, case_id)):
        abort(403)
    record = db.session.scalar(
        select(InboundMessage).where(InboundMessage.case_message_id == message.id).limit(1)
    )
    if record is None:
        abort(404)
    return eml_response(record)
