from django import forms
from django.utils.translation import gettext_lazy as _

from portal.widgets import DateInput

from .models import Ballot, Feedback


class FeedbackForm(forms.Form):
    body = forms.CharField(label=_("Your opinion or suggestion"), max_length=5000,
                           min_length=5, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"min_length": _("Please write at least a few "
                                                           "words.")})
    name = forms.CharField(label=_("Name (optional)"), max_length=60, required=False)
    contact = forms.CharField(label=_("Phone or e-mail (optional)"), max_length=100,
                              required=False)
    allow_publish = forms.BooleanField(
        label=_("The answer may be published under the item (without my name)"),
        required=False)
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # bots fill this in


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
    text = forms.CharField(label=_("Reply or reason"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))


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

