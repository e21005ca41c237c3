"""Forms of the review and approval pages (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined,unused-ignore]
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from cxroi.approvals.tokens import DEFAULT_EXPIRY_DAYS, MAX_EXPIRY_DAYS


class StepForm(FlaskForm):
    note = TextAreaField(
        "Note (optional)",
        validators=[
            Optional(),
            Length(max=2000, message="The note must be 2,000 characters or fewer."),
        ],
    )


class ReviewForm(FlaskForm):
    verdict = RadioField(
        "Verdict",
        choices=[
            SelectChoice("accepted", "Accept"),
            SelectChoice("challenged", "Challenge"),
            SelectChoice("unreviewed", "Unreviewed"),
        ],
        validators=[InputRequired(message="Choose accept, challenge or unreviewed.")],
    )
    comment = TextAreaField(
        "Comment",
        validators=[
            Optional(),
            Length(max=4000, message="A comment must be 4,000 characters or fewer."),
        ],
        description="Required for a challenge.",
    )
    #: The item's fingerprint as the page showed it: a verdict on content since changed
    #: is refused (409), not recorded against what the reviewer never saw.
    fingerprint = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.verdict.data == "challenged" and not (self.comment.data or "").strip():
            self.comment.errors = [*self.comment.errors, "Say what you challenge and why."]
            ok = False
        return ok


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Comment",
        validators=[
            InputRequired(message="Enter a comment."),
            Length(max=4000, message="A comment must be 4,000 characters or fewer."),
        ],
    )
    assumption_key = HiddenField()
    item_id = HiddenField()  # any review item ("c1", "discount_rate"); the key wins


class LinkForm(FlaskForm):
    #: A nonce per form: sending it again returns the link it made (create_link).
    idempotency_key = HiddenField()
    recipient_name = StringField(
        "Recipient's name",
        validators=[
            InputRequired(message="Enter the recipient's name."),
            Length(max=120, message="The recipient's name must be 120 characters or fewer."),
        ],
    )
    recipient_email = StringField(
        "Recipient's email",
        validators=[
            InputRequired(message="Enter the recipient's email address."),
            Regexp(
                r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$",
                message="Enter an email address like name@example.com.",
            ),
            Length(max=254, message="The email address must be 254 characters or fewer."),
        ],
    )
    scope = RadioField(
        "What the link allows",
        choices=[
            SelectChoice("approve", "View and decide (approve link, mailed to an approver)"),
            SelectChoice("view", "View only"),
        ],
        default="approve",
        validators=[InputRequired(message="Choose view or approve.")],
    )
    expires_in_days = IntegerField(
        "Expires after (days)",
        default=DEFAULT_EXPIRY_DAYS,
        description=f"1 to {MAX_EXPIRY_DAYS} days; {DEFAULT_EXPIRY_DAYS} by default.",
        validators=[
            InputRequired(message=f"Enter a number of days from 1 to {MAX_EXPIRY_DAYS}."),
            NumberRange(
                1, MAX_EXPIRY_DAYS, message=f"Enter a number of days from 1 to {MAX_EXPIRY_DAYS}."
            ),
        ],
    )


class DecisionForm(FlaskForm):
    name = StringField(
        "Your name",
        validators=[
            InputRequired(message="Enter your name."),
            Length(max=120, message="Your name must be 120 characters or fewer."),
        ],
    )
    comment = TextAreaField(
        "Comment",
        validators=[
            Optional(),
            Length(max=2000, message="The comment must be 2,000 characters or fewer."),
        ],
    )
    code = StringField(
        "The code from your mail",
        validators=[Optional(), Length(max=20, message="Enter the 6-digit code.")],
        description="6 digits, sent to you when you pressed Decide.",
    )
    version_hash = HiddenField()
    decision = HiddenField()  # the button pressed: approve, reject, request_changes


class CodeRequestForm(FlaskForm):
    """The Decide button: mail me a one-time code (a CSRF token and nothing else)."""


class ApproverForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            InputRequired(message="Enter the approver's name."),
            Length(max=120, message="The name must be 120 characters or fewer."),
        ],
    )
    email = StringField(
        "Email",
        validators=[
            Optional(),
            Length(max=254, message="The email address must be 254 characters or fewer."),
        ],
    )
    limit_amount = StringField(
        "Authority limit",
        validators=[InputRequired(message="Enter the authority limit.")],
        description="On a case's PV of costs (risk-adjusted), in the currency below.",
    )
    currency = StringField(
        "Currency",
        default="GBP",
        validators=[InputRequired(message="Enter a currency code such as GBP.")],
    )
    active = BooleanField("Active", default=True)
