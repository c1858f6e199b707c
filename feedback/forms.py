from django import forms
from django.utils.translation import gettext_lazy as _

from portal.widgets import DateInput

from .models import Ballot, Commitment, Feedback


class FeedbackForm(forms.Form):
    body = forms.CharField(label=_("Your opinion or suggestion"), max_length=5000,
                           min_length=5, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"min_length": _("Please write at least a few "
                                                           "words.")})
    name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False)
    contact = forms.CharField(label=_("Phone or e-mail (optional)"), max_length=100,
                              required=False)
    allow_publish_question = forms.BooleanField(
        label=_("My question may be published under the item (without my name)"),
        required=False)
    allow_publish = forms.BooleanField(
        label=_("The answer may be published under the item (without my name)"),
        required=False,
        help_text=_("Only once the item is public, and only what you allow here. Feedback "
                    "on an item not yet public is published only if you allow it again "
                    "after the item has been made public."))
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # bots fill this in


class ConsentForm(forms.Form):
    """The submitter's decision, taken again, on publishing their feedback under the
    item."""

    allow_publish_question = forms.BooleanField(
        label=_("My question may be published under the item (without my name)"),
        required=False)
    allow_publish = forms.BooleanField(
        label=_("The answer may be published under the item (without my name)"),
        required=False)


class ObjectionForm(FeedbackForm):
    """An objection (异议) to a publicity item: the same fields, asked as an objection."""

    body = forms.CharField(label=_("Your objection and its grounds"), max_length=5000,
                           min_length=5, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"min_length": _("Please write at least a few "
                                                           "words.")})


class ConclusionForm(forms.Form):
    """The organization's conclusion on the objections to a publicity item."""

    conclusion = forms.CharField(
        label=_("Conclusion on the objections (published with the item)"), required=False,
        max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    # The conclusion reaches the item's readers: the same attestation as the item's approval.
    confidentiality_checked = forms.BooleanField(
        label=_("I have done the confidentiality check (保密审查): the item contains no "
                "state or party secrets and nothing that may not be disclosed."),
        required=False)

    def clean(self):
        data = super().clean()
        if not data.get("confidentiality_checked"):
            self.add_error("confidentiality_checked",
                           _("Publishing the conclusion requires the confidentiality check."))
        return data


class OfflineFeedbackForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in Feedback.Channel.choices if c[0] != Feedback.Channel.ONLINE])
    received_on = forms.DateField(label=_("Received on"),
                                  widget=DateInput())
    body = forms.CharField(label=_("Content"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 5}))
    name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False)
    contact = forms.CharField(label=_("Contact (optional)"), max_length=100, required=False)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=12)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper().replace(" ", "")


class HandleForm(forms.Form):
    text = forms.CharField(label=_("Reply"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    # Read by the reply only: without it the answer goes to the submitter, but nothing of
    # the feedback is published under its item, whatever the submitter consented to.
    confidentiality_checked = forms.BooleanField(
        label=_("I have done the confidentiality check (保密审查) for publication: the "
                "question and this answer contain no state or party secrets and nothing that "
                "may not be disclosed."),
        help_text=_("Needed only for publishing under the item, as far as the submitter "
                    "consents. Without it the answer is sent to the submitter and nothing "
                    "is published."),
        required=False)


class DeclineForm(forms.Form):
    """不予受理: the decision not to accept, with the reason the submitter is told."""

    reason = forms.CharField(
        label=_("Reason for not accepting"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The submitter is told the decision with this reason."))


class ReopenForm(forms.Form):
    """Taking back a decision not to accept."""

    reason = forms.CharField(
        label=_("Why the decision is taken back"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the handling record; the submitter is told."))


class PublicationCheckForm(forms.Form):
    """The confidentiality check for publication, attested after the reply."""

    confidentiality_checked = forms.BooleanField(
        label=_("I have done the confidentiality check (保密审查) for publication: the "
                "question and this answer contain no state or party secrets and nothing that "
                "may not be disclosed."))


class OrderForm(forms.Form):
    finding = forms.CharField(label=_("Finding"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    requirement = forms.CharField(label=_("What must be done"), required=False,
                                  max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Deadline"),
                               widget=DateInput())


class TextForm(forms.Form):
    text = forms.CharField(label=_("Response or comment"), required=False,
                           max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class BallotForm(forms.Form):
    rating = forms.ChoiceField(label=_("Your rating"), choices=Ballot.Rating.choices,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))



class CommitmentForm(forms.Form):
    """公开承诺: the year, the text and who may read it once published."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    text = forms.CharField(label=_("Commitment"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 10}))
    audience = forms.ChoiceField(label=_("Published to"), widget=forms.RadioSelect,
                                 choices=Commitment.Audience.choices,
                                 initial=Commitment.Audience.PUBLIC)


class CommitmentEditForm(CommitmentForm):
    year = None  # type: ignore[assignment]


class LeaderCommentForm(forms.Form):
    """领导点评 on an organization's disclosure work in a year."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    text = forms.CharField(label=_("Comment"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 8}))
    publish = forms.BooleanField(
        label=_("Publish with the organization's commitment (otherwise only its officers "
                "and your side read it)"), required=False)


class CodeBatchForm(forms.Form):
    count = forms.IntegerField(label=_("Number of codes to print"), min_value=1,
                               max_value=500, initial=50)


class ResidentBallotForm(forms.Form):
    """A resident's evaluation with a printed code: one rating for every organization."""

    code = forms.CharField(label=_("Evaluation code (on your slip)"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "autocapitalize": "characters"}))
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # bots fill this in

    def __init__(self, *args, organizations=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = list(organizations)
        for org in self.organizations:
            self.fields[f"rating_{org.pk}"] = forms.ChoiceField(
                label=org.name, choices=Ballot.Rating.choices, widget=forms.RadioSelect)
            self.fields[f"comment_{org.pk}"] = forms.CharField(
                label=_("Comment on %(name)s (optional)") % {"name": org.name},
                required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def ratings(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {org.pk: (data[f"rating_{org.pk}"], data.get(f"comment_{org.pk}", ""))
                for org in self.organizations}


class SignUpForm(forms.Form):
    """Registration of a member of the public: no party rights, only the evaluations open
    to everyone and what is public."""

    username = forms.RegexField(label=_("Username"), max_length=30, min_length=3,
                                regex=r"^[A-Za-z0-9_.-]+$",
                                help_text=_("Letters, digits and . _ - only."))
    full_name = forms.CharField(label=_("Name"), max_length=80)
    contact = forms.CharField(label=_("E-mail or mobile phone"), max_length=100)
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # bots fill this in

    def clean_username(self) -> str:
        from portal.models import User

        name = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("This username is taken; choose another."))
        return name

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if any(ord(ch) < 32 for ch in name):
            raise forms.ValidationError(_("Write your name without control characters."))
        return name

    def clean_contact(self) -> str:
        from django.core.validators import validate_email

        contact = self.cleaned_data["contact"].strip()
        if "@" in contact:
            try:
                validate_email(contact)
            except forms.ValidationError as error:
                raise forms.ValidationError(_("Enter a valid e-mail address.")) from error
            return contact
        digits = contact.replace(" ", "").replace("-", "")
        if not (digits.isdigit() and len(digits) == 11 and digits.startswith("1")):
            raise forms.ValidationError(
                _("Enter an e-mail address or an 11-digit mobile number."))
        return digits

    def clean(self) -> dict:
        from django.contrib.auth.password_validation import validate_password

        from portal.models import User

        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            probe = User(username=data.get("username", ""),
                         full_name=data.get("full_name", ""))
            try:
                validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
