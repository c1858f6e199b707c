from __future__ import annotations

from django import forms
from django.core.validators import MinLengthValidator
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from catalog.models import (
    Carrier,
    Catalog,
    CatalogEntry,
    Category,
    Duration,
    Frequency,
    PartyAudience,
    PublicAudience,
)
from portal import caching
from portal.caching import ORGANIZATIONS
from portal.dates import datetime_text
from portal.models import Organization, Role
from portal.widgets import DateInput, FastSelect, write_options  # noqa: E402

from .models import (
    OFFLINE_CARRIERS,
    PUBLISHED_STATES,
    ChangeRequest,
    DisclosureItem,
    DisclosureRequest,
    MeetingKind,
    State,
)
from .uploads import ALLOWED_EXTENSIONS, EVIDENCE_EXTENSIONS, check_upload, file_attrs, limits_help
from .visibility import PARTY_ROLES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the evidence of a ledger record, an item's attachments)."""

    def __init__(self, *args, extensions=EVIDENCE_EXTENSIONS, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs=file_attrs(extensions)))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(one, initial) for one in data if one]
        return [super().clean(data, initial)] if data else []


class ItemForm(forms.ModelForm):
    """The draft form: text, the dates the entry's frequency needs, the audiences (the
    entry's by default), for a matter disclosed in stages the stage before, and files to
    attach, saved with the draft (checked first: a refused file saves nothing)."""

    attachments = MultipleFileField(
        label=_("Attachments"), required=False, help_text=limits_help(),
        extensions=ALLOWED_EXTENSIONS)

    class Meta:
        model = DisclosureItem
        fields = ["title", "body", "event_date", "period_start", "period_end",
                  "party_audience", "range_leadership", "range_cadres", "range_organizations",
                  "public_audience", "previous_stage"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 14}),
            "event_date": DateInput(),
            "period_start": DateInput(),
            "period_end": DateInput(),
            "party_audience": forms.RadioSelect,
            "public_audience": forms.RadioSelect,
            "range_organizations": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, entry: CatalogEntry, organization: Organization,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entry, self.organization = entry, organization
        if self.instance.pk is None:
            for name in ("party_audience", "range_leadership", "range_cadres",
                         "public_audience"):
                self.initial.setdefault(name, getattr(entry, name))
        self.fields["title"].validators.append(
            MinLengthValidator(4, _("The title is too short.")))
        for name in ("party_audience", "public_audience"):
            self.fields[name].required = False  # left out: the entry's (or the draft's)
        if entry.frequency == Frequency.TIMELY:
            self.fields["event_date"].required = entry.is_short_term
        else:
            del self.fields["event_date"]
        if entry.frequency == Frequency.PERIODIC:
            self.fields["period_start"].required = True
            self.fields["period_end"].required = True
        else:
            del self.fields["period_start"], self.fields["period_end"]
        ranged = self.fields["range_organizations"]
        assert isinstance(ranged, forms.ModelMultipleChoiceField)
        ranged.queryset = Organization.objects.filter(is_active=True)
        self.fields["range_organizations"].help_text = _(
            "With a named range: every member of these organizations reads the item.")
        self.fields["public_audience"].help_text = _(
            "Beyond the party only after the intra-party lead time of %(days)s days."
        ) % {"days": entry.lead_days}
        earlier = DisclosureItem.objects.filter(
            organization=organization, entry=entry, internal_at__isnull=False,
        ).order_by("-internal_at")
        if self.instance.pk is not None:
            earlier = earlier.exclude(pk=self.instance.pk)
        stage = self.fields["previous_stage"]
        assert isinstance(stage, forms.ModelChoiceField)
        stage.queryset = earlier
        self.fields["previous_stage"].help_text = _(
            "For a matter disclosed in stages (阶段性公开): the earlier stage this item "
            "continues.")

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        errors = []
        for upload in files:
            try:
                check_upload(upload)
            except forms.ValidationError as error:
                errors.extend(f"{upload.name}: {message}" for message in error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean_period_start(self):
        """A new draft for a period that has a draft already is refused: that one is
        written instead (the scheduler prepares one for every period)."""
        start = self.cleaned_data.get("period_start")
        if start and self.instance.pk is None:
            draft = existing_draft(self.organization, self.entry, start)
            if draft is not None:
                raise forms.ValidationError(
                    _("A draft for this period exists already: “%(title)s”. Edit that draft "
                      "instead of writing a second one.") % {"title": draft.title},
                    code="period_draft_exists")
        return start

    def clean(self):
        data = super().clean()
        for name in ("party_audience", "public_audience"):
            if not data.get(name):
                data[name] = getattr(self.instance, name) if self.instance.pk else getattr(
                    self.entry, name)
        if data.get("party_audience") == PartyAudience.RANGE and not (
                data.get("range_leadership") or data.get("range_cadres")
                or data.get("range_organizations")) and not (
                self.instance.pk and self.instance.requests.exists()):
            # (the draft answering an application for the applicant alone names no one)
            self.add_error("party_audience", _(
                "A named range must name someone: tick the leadership team members or the "
                "leading cadres, or choose organizations."))
        return data


def existing_draft(organization: Organization, entry: CatalogEntry,
                   period_start) -> DisclosureItem | None:
    """Return the organization's draft (or returned item) of ``entry`` for the period
    starting on ``period_start``, if there is one."""
    return DisclosureItem.objects.filter(
        organization=organization, entry=entry, period_start=period_start,
        state__in=[State.DRAFT, State.RETURNED]).order_by("pk").first()


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"), help_text=limits_help(),
                           widget=forms.ClearableFileInput(attrs=file_attrs()))


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return for revision"))],
        widget=forms.RadioSelect,
    )
    confidentiality_checked = forms.BooleanField(
        label=_("I have done the confidentiality check (保密审查): the item contains no "
                "state or party secrets and nothing that may not be disclosed."),
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve" and not data.get("confidentiality_checked"):
            self.add_error("confidentiality_checked",
                           _("Approval requires the confidentiality check."))
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what needs to change when returning an item."))
        return data


class PlanPublicForm(forms.Form):
    when = forms.DateTimeField(
        label=_("Public release at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, earliest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest = earliest  # the end of the intra-party lead time, if it is known
        if earliest is not None:
            self.fields["when"].help_text = earliest_public_text(earliest)
            local = timezone.localtime(earliest)
            self.fields["when"].widget.attrs["min"] = local.strftime("%Y-%m-%dT%H:%M")

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        if self.earliest is not None and when < self.earliest:
            raise forms.ValidationError(earliest_public_text(self.earliest))
        return when


def earliest_public_text(earliest) -> str:
    """Say from when an item may go public, in local time and the reader's format."""
    return _("Can be published from %(when)s at the earliest.") % {
        "when": datetime_text(earliest)}


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=100)
    organization = forms.ModelChoiceField(
        label=_("Organization"), required=False, queryset=Organization.objects.none(),
        to_field_name="code", empty_label=_("All organizations"), widget=FastSelect,
    )
    only = forms.BooleanField(label=_("Only this organization"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, widget=FastSelect,
        choices=[("", _("All categories")), *Category.choices],
    )
    duration = forms.ChoiceField(
        label=_("Duration"), required=False, widget=FastSelect,
        choices=[("", _("All")), *Duration.choices],
    )
    date_from = forms.DateField(label=_("Published from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Published until"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        active = Organization.objects.filter(is_active=True)
        field.queryset = active
        # Every level, indented by its depth, written once from one query of three columns
        # (kept in the cache until an organization changes) and, on each page, only the
        # chosen option marked (FastSelect): a city's thousands of branches stay cheap.
        widget = field.widget
        assert isinstance(widget, FastSelect)
        widget.choices = [("", field.empty_label)]
        widget.written = caching.stamped(
            "organization-options", (ORGANIZATIONS,), lambda: write_options(
                (code, f"{INDENT * depth}{name}") for code, name, depth in
                active.order_by("path").values_list("code", "name", "depth")),
            3600, shared_only=True)


INDENT = "\u3000"  # an ideographic space per level: the menu shows the tree


class WorkspaceFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *State.choices]
    )


class RequestForm(forms.Form):
    subject = forms.CharField(label=_("What would you like disclosed?"),
                              max_length=200)
    reason = forms.CharField(label=_("Why you need it (optional)"), required=False,
                             max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class AnswerForm(forms.Form):
    """Answer an application at once: hand over a published item, defer, or decline."""

    decision = forms.ChoiceField(label=_("Answer"), widget=forms.RadioSelect, choices=[
        (DisclosureRequest.State.DISCLOSED_TO_APPLICANT,
         _("Disclose a published item to the applicant alone")),
        (DisclosureRequest.State.DISCLOSED_TO_SCOPE,
         _("Disclose a published item to a role of the organization")),
        (DisclosureRequest.State.DEFERRED, _("Defer the disclosure (暂缓公开) until a date")),
        (DisclosureRequest.State.DECLINED, _("Decline (it cannot be disclosed)")),
    ])
    item = forms.ModelChoiceField(label=_("Item to disclose"), required=False,
                                  queryset=DisclosureItem.objects.none())
    scope_role = forms.ChoiceField(label=_("Disclose to (for a scope)"),
                                   required=False, choices=[("", "—"), *[
                                       c for c in Role.choices if c[0] in PARTY_ROLES]])
    deferred_until = forms.DateField(label=_("Deferred until (for a deferral)"),
                                     required=False, widget=DateInput())
    answer = forms.CharField(label=_("Answer to the applicant"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("For a deferral or a refusal: the reason."))

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = DisclosureItem.objects.filter(
            organization=organization, state__in=PUBLISHED_STATES, withdrawn_at__isnull=True)

    def clean(self):
        data = super().clean()
        if data.get("decision") == DisclosureRequest.State.DEFERRED:
            until = data.get("deferred_until")
            if until is None:
                self.add_error("deferred_until",
                               _("Say until when the disclosure is deferred."))
            elif until <= timezone.localdate():
                self.add_error("deferred_until", _("Choose a date in the future."))
        return data


class RequestDraftForm(forms.Form):
    """Answer an application with a new matter: the catalog entry it falls under, whom it
    reaches, and the dates the entry needs. The draft is then written and reviewed like
    any item."""

    entry = forms.ModelChoiceField(label=_("Catalog entry"),
                                   queryset=CatalogEntry.objects.none())
    reach = forms.ChoiceField(label=_("Disclose the new matter to"), widget=forms.RadioSelect,
                              choices=[("applicant", _("The applicant alone")),
                                       *PartyAudience.choices])
    range_leadership = forms.BooleanField(label=_("range: leadership team members"),
                                          required=False)
    range_cadres = forms.BooleanField(label=_("range: party member leading cadres"),
                                      required=False)
    range_organizations = forms.ModelMultipleChoiceField(
        label=_("range: members of these organizations"), required=False,
        queryset=Organization.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6}))
    event_date = forms.DateField(label=_("event date"), required=False, widget=DateInput(),
                                 help_text=_("For a short-term timely entry: when it "
                                             "happened."))
    period_start = forms.DateField(label=_("period start"), required=False,
                                   widget=DateInput(),
                                   help_text=_("For a periodic entry: the period."))
    period_end = forms.DateField(label=_("period end"), required=False, widget=DateInput())

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        entry = self.fields["entry"]
        assert isinstance(entry, forms.ModelChoiceField)
        entry.queryset = CatalogEntry.objects.for_organization(organization).order_by(
            "category", "code")
        ranged = self.fields["range_organizations"]
        assert isinstance(ranged, forms.ModelMultipleChoiceField)
        ranged.queryset = Organization.objects.filter(is_active=True)
        self.fields["reach"].help_text = _(
            "The applicant alone: nobody else reads the item; when it is published within "
            "the party, the applicant is given it. Otherwise the item's own audience reads "
            "it (a named range needs the flags or organizations below).")


class FilingForm(forms.Form):
    """A non-disclosure filing: why, and until when (a date, a condition, or both; the
    service refuses neither and a date that is not after today)."""

    reason = forms.CharField(label=_("Why it cannot be disclosed for now"),
                             max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    until = forms.DateField(
        label=_("Not disclosed until (date)"), required=False, widget=DateInput(),
        help_text=_("After this date the filing lapses and the disclosure is due again."))
    condition = forms.CharField(
        label=_("Not disclosed until (condition)"), required=False, max_length=200,
        help_text=_("For example: until the disciplinary review has concluded. A filing "
                    "with a condition alone lasts until your organization ends it."))


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to do"), choices=ChangeRequest.Kind.choices,
                             widget=forms.RadioSelect)
    new_title = forms.CharField(label=_("New title (for a change)"), required=False,
                                max_length=200)
    new_body = forms.CharField(label=_("New body (for a change)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 10}))
    explanation = forms.CharField(label=_("Explanation to publish"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class ChangeDecisionForm(forms.Form):
    """The approver's decision on a change request (approve or reject is the button): an
    approval publishes text, so it carries the confidentiality check like the item's first
    approval."""

    confidentiality_checked = forms.BooleanField(
        label=_("I have done the confidentiality check (保密审查): the new text and the "
                "explanation contain no state or party secrets and nothing that may not be "
                "disclosed."),
        required=False,
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Matter to disclose"), max_length=150)
    plan = forms.CharField(label=_("Work plan"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    party_audience = forms.ChoiceField(label=_("Intra-party audience"), choices=[
        c for c in PartyAudience.choices if c[0] != PartyAudience.RANGE])
    public_audience = forms.ChoiceField(label=_("Audience beyond the party"),
                                        choices=PublicAudience.choices)
    duration = forms.ChoiceField(label=_("Duration"), choices=Duration.choices)
    display_days = forms.IntegerField(label=_("Display period in working days (short-term)"),
                                      required=False, min_value=1, max_value=365)


class LedgerRecordForm(forms.Form):
    """One offline act: the carrier, its date and the fields of its kind (the service
    checks which ones the carrier needs, the dates and the evidence)."""

    carrier = forms.ChoiceField(label=_("How it was disclosed"), widget=forms.RadioSelect)
    date = forms.DateField(label=_("Date (posted, held or issued on)"), widget=DateInput())
    board = forms.CharField(label=_("Notice board (where)"), required=False, max_length=200,
                            help_text=_("For a posting: which board, where it stands."))
    until = forms.DateField(label=_("Taken down on"), required=False, widget=DateInput(),
                            help_text=_("For a posting already taken down; otherwise record "
                                        "it later on the record's page."))
    meeting_kind = forms.ChoiceField(label=_("Kind of meeting"), required=False,
                                     choices=[("", "—"), *MeetingKind.choices])
    meeting_name = forms.CharField(label=_("Meeting"), required=False, max_length=200,
                                   help_text=_("For example: 2026年第二季度党员大会."))
    attendance = forms.IntegerField(label=_("Attendance"), required=False, min_value=1,
                                    max_value=100000)
    minutes = forms.CharField(label=_("Minutes"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    document_number = forms.CharField(label=_("Document number"), required=False,
                                      max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    evidence = MultipleFileField(
        label=_("Evidence (photos or PDF)"), required=False,
        help_text=format_lazy("{} {}", _("Photos of the notice board (JPEG, PNG), minutes or "
                                         "the document (PDF)."),
                              limits_help(EVIDENCE_EXTENSIONS)))

    def __init__(self, *args, carriers: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Carrier.choices)
        self.fields["carrier"].choices = [  # type: ignore[attr-defined]
            (c, labels[c]) for c in carriers]
        if len(carriers) == 1:
            self.fields["carrier"].initial = carriers[0]


class TakeDownForm(forms.Form):
    until = forms.DateField(label=_("Taken down on"), widget=DateInput())


class EvidenceForm(forms.Form):
    evidence = MultipleFileField(label=_("Evidence (photos or PDF)"),
                                 help_text=limits_help(EVIDENCE_EXTENSIONS))


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why the record is void"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class LedgerFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int,
                                  empty_value=None)
    carrier = forms.ChoiceField(label=_("Carrier"), required=False)
    item = forms.TypedChoiceField(label=_("Item"), required=False, coerce=int,
                                  empty_value=None)

    def __init__(self, *args, years: list[int], items: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        choices = {
            "year": [("", _("All years")), *((y, y) for y in years)],
            "carrier": [("", _("All carriers")), *((c.value, c.label) for c in OFFLINE_CARRIERS)],
            "item": [("", _("All items")), *items],
        }
        for name, values in choices.items():
            self.fields[name].choices = values  # type: ignore[attr-defined]
class AnnualPlanForm(forms.Form):
    """Mark an item of a catalog's issuer as the catalog's annual plan for a year."""

    catalog = forms.ModelChoiceField(label=_("Catalog"), queryset=Catalog.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, organization, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["catalog"].queryset = Catalog.objects.filter(  # type: ignore[attr-defined]
            issuer=organization).exclude(state=Catalog.State.RETIRED)
        self.fields["year"].initial = timezone.localdate().year
