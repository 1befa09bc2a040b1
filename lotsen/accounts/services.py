"""Accounts: creating officials, passwords, log-in checks, reset links and deactivation."""

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from lotsen.accounts.models import Department, PasswordResetRequest, Role, User, UserRole
from lotsen.audit.services import diff, record
from lotsen.db_types import utcnow
from lotsen.domain_errors import DomainError
from lotsen.extensions import db
from lotsen.mail.services import queue_mail
from lotsen.urls import external_url

# Checked against when the e-mail is unknown, so a failed log-in takes the same time either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
RESET_SALT = "password-reset"


class AccountError(DomainError):
    """A rule about accounts was broken; the message is for the user (Swedish)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_session_nonce() -> str:
    return secrets.token_hex(16)


def password_problem(password: str) -> str | None:
    """A Swedish explanation of why `password` is too weak, or None if it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Lösenordet måste ha minst %(n)d tecken.", n=minimum)
    if password.strip() != password:
        return _("Lösenordet får inte börja eller sluta med mellanslag.")
    if len(set(password)) < 5:
        return _("Lösenordet är för enformigt. Välj en längre fras med fler olika tecken.")
    return None


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    user.password_hash = generate_password_hash(password, method=method)
    user.session_nonce = new_session_nonce()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str, except_user: User | None = None) -> bool:
    query = select(func.count()).select_from(User).where(User.email == normalise_email(email))
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) > 0


@dataclass
class UserData:
    email: str
    name: str
    roles: set[Role]
    departments: list[Department]
    title: str | None = None
    phone: str | None = None


def user_snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "title": user.title,
        "phone": user.phone,
        "roles": sorted(user.roles),
        "departments": sorted(d.name for d in user.departments),
        "active": user.active,
    }


def apply_user_data(user: User, data: UserData) -> None:
    user.email = normalise_email(data.email)
    user.name = data.name.strip()
    user.title = (data.title or "").strip() or None
    user.phone = (data.phone or "").strip() or None
    wanted = {Role(role) for role in data.roles}
    user.role_rows = [row for row in user.role_rows if Role(row.role) in wanted]
    for role in wanted - user.roles:
        user.role_rows.append(UserRole(role=role.value))
    user.departments = list(data.departments)


def password_login_allowed(email: str) -> bool:
    """Whether the account of `email` may log in with a password: everyone's may, unless
    PASSWORD_LOGIN_ENABLED is off; then only the break-glass accounts' (BREAK_GLASS_ACCOUNTS)."""
    config = current_app.config
    if config["PASSWORD_LOGIN_ENABLED"]:
        return True
    break_glass = {normalise_email(address) for address in config["BREAK_GLASS_ACCOUNTS"]}
    return normalise_email(email) in break_glass


def has_password_login(user: User) -> bool:
    """Whether `user` logs in with a password (has one, and may use it)."""
    return user.password_hash is not None and password_login_allowed(user.email)


def create_user(actor: User | None, data: UserData, password: str | None = None) -> User:
    """Create an official. Without a password, a link to choose one is e-mailed (unless the
    account may not log in with a password: then it logs in with single sign-on)."""
    if email_taken(data.email):
        raise AccountError(_("Det finns redan ett konto med den e-postadressen."))
    user = User(session_nonce=new_session_nonce(), active=True)
    apply_user_data(user, data)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.created", user, f"Konto skapat för {user.email}", user_snapshot(user))
    if password is None and password_login_allowed(user.email):
        send_password_link(user, welcome=True)
    return user


def update_user(actor: User, user: User, data: UserData) -> None:
    if email_taken(data.email, except_user=user):
        raise AccountError(_("Det finns redan ett konto med den e-postadressen."))
    if user.id == actor.id and Role.ADMIN not in data.roles:
        raise AccountError(_("Du kan inte ta bort din egen administratörsroll."))
    before = user_snapshot(user)
    apply_user_data(user, data)
    db.session.flush()
    changes = diff(before, user_snapshot(user))
    if changes:
        record(actor, "user.updated", user, f"Konto ändrat för {user.email}", changes)


def set_user_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ends every session at once) or reactivate an account."""
    if user.id == actor.id and not active:
        raise AccountError(_("Du kan inte inaktivera ditt eget konto."))
    if user.active == active:
        return
    user.active = active
    user.deactivated_at = None if active else utcnow()
    user.session_nonce = new_session_nonce()
    action = "user.reactivated" if active else "user.deactivated"
    summary = "Kontot aktiverat igen" if active else "Kontot inaktiverat"
    record(actor, action, user, f"{summary}: {user.email}")


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Takes the same time for unknown e-mail,
    and for an account that may not log in with a password (see password_login_allowed)."""
    user = find_user_by_email(email) if password_login_allowed(email) else None
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Log-out: every session of `user` ends, its cookies wherever they are copied included."""
    user.session_nonce = new_session_nonce()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not password_login_allowed(user.email):
        raise AccountError(_("Du loggar in med kommunens konto och har inget lösenord i Lotsen."))
    if not user.password_hash or not check_password_hash(user.password_hash, current_password):
        raise AccountError(_("Det nuvarande lösenordet stämmer inte."))
    set_password(user, new_password)
    record(user, "user.password_changed", user, "Lösenordet byttes")


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def make_reset_token(user: User) -> str:
    # The password hash fingerprint makes a link useless once the password has changed.
    fingerprint = (user.password_hash or "")[-12:]
    return _reset_serializer().dumps([user.id, fingerprint, user.session_nonce])


def user_for_reset_token(token: str) -> User | None:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        user_id, fingerprint, nonce = _reset_serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or not password_login_allowed(user.email):
        return None
    if (user.password_hash or "")[-12:] != fingerprint or user.session_nonce != nonce:
        return None
    return user


def send_password_link(user: User, welcome: bool = False) -> None:
    if not password_login_allowed(user.email):
        raise AccountError(
            _("Inloggning med lösenord är avstängd för kontot. Det loggar in med kommunens konto.")
        )
    link = external_url("accounts.reset_password", token=make_reset_token(user))
    if welcome:
        subject = _l("Välkommen till Lotsen – välj ditt lösenord")
    else:
        subject = _l("Återställ ditt lösenord i Lotsen")
    queue_mail(
        user.email,
        subject,
        "mail/password_link.txt",
        locale=user.locale,
        user=user,
        link=link,
        welcome=welcome,
        hours=current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600,
    )


def request_password_reset(email: str) -> None:
    """Queue a reset request for the mail worker; the same single INSERT for any address, so
    the page does not tell (by what it says or how long it takes) which addresses have an
    account."""
    db.session.add(PasswordResetRequest(email=normalise_email(email)[:254]))
    db.session.flush()


def process_password_reset_requests(limit: int = 100) -> int:
    """Mail a reset link for each queued request whose address belongs to an active account
    (others are dropped silently). Each request is claimed by deleting it, so two workers never
    both handle one. Returns the number of links queued; the caller commits."""
    links = 0
    ids = db.session.scalars(
        select(PasswordResetRequest.id).order_by(PasswordResetRequest.id).limit(limit)
    ).all()
    for request_id in ids:
        email = db.session.scalar(
            select(PasswordResetRequest.email).where(PasswordResetRequest.id == request_id)
        )
        claimed = db.session.execute(
            delete(PasswordResetRequest).where(PasswordResetRequest.id == request_id)
        )
        if email is None or claimed.rowcount != 1:
            continue
        user = find_user_by_email(email) if password_login_allowed(email) else None
        if user is not None and user.active:
            send_password_link(user)
            links += 1
    db.session.flush()
    return links


def reset_password(user: User, new_password: str) -> None:
    set_password(user, new_password)
    record(user, "user.password_reset", user, "Lösenordet återställdes via e-postlänk")


def active_departments() -> list[Department]:
    return list(
        db.session.scalars(select(Department).where(Department.active).order_by(Department.name))
    )
