"""Login and account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from cxroi.cases.fields import choices
from models.user import ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[DataRequired("Enter your email address."), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


ROLE_CHOICES = choices(list(ROLE_LABELS.items()))


class NewUserForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter an email address."),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address like name@example.com.",
            ),
            Length(max=254),
        ],
    )
    name = StringField("Full name", validators=[Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = PasswordField(
        "Password",
        description="At least 10 characters.",
        validators=[
            DataRequired("Enter a password."),
            Length(min=10, message="The password must have at least 10 characters."),
        ],
    )


class UserAccessForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Account active")
