from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length


def strip(value):
    return value.strip() if isinstance(value, str) else value


EMAIL_VALIDATORS = [
    DataRequired(message=_l("Fyll i din e-postadress.")),
    Email(message=_l("Skriv en giltig e-postadress, till exempel namn@kommun.se.")),
    Length(max=254),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=EMAIL_VALIDATORS, filters=[strip])
    password = PasswordField(
        _l("Lösenord"), validators=[DataRequired(message=_l("Fyll i ditt lösenord."))]
    )
    remember = BooleanField(_l("Kom ihåg mig på den här datorn"))
    submit = SubmitField(_l("Logga in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-postadress"), validators=EMAIL_VALIDATORS, filters=[strip])
    submit = SubmitField(_l("Skicka länk"))


class NewPasswordMixin:
    new_password = PasswordField(
        _l("Nytt lösenord"),
        validators=[DataRequired(message=_l("Välj ett nytt lösenord.")), Length(max=200)],
        description=_l("Minst 12 tecken. En mening med flera ord är lätt att minnas."),
    )
    confirm_password = PasswordField(
        _l("Upprepa det nya lösenordet"),
        validators=[
            DataRequired(message=_l("Skriv det nya lösenordet en gång till.")),
            EqualTo("new_password", message=_l("Lösenorden är inte lika.")),
        ],
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Spara lösenord"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(message=_l("Fyll i ditt nuvarande lösenord."))],
    )
    submit = SubmitField(_l("Byt lösenord"))
