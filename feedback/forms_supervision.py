"""Forms of the supervision group, its inspections and rectification evidence."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organization, User
from portal.roles import acts_for
from portal.widgets import DateInput

from .models_supervision import (
    InspectionPlan,
    InspectionRecord,
    RelativeDeclaration,
    SupervisionGroup,
    SupervisionSeat,
)
from .permissions_supervision import party_people_of


def _choices(form: forms.Form, name: str, queryset: QuerySet) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} ({obj.username})"


def people_of(organization: Organization) -> QuerySet[User]:
    """Return the active party members (any role but the unit's non-party people) of the
    organization's subtree: who may be elected to its group or declare relatives there."""
    return party_people_of(organization).order_by("full_name", "username")


class GroupForm(forms.Form):
    meeting = forms.CharField(label=_("Electing meeting"), max_length=60,
                              initial="党员大会")
    elected_on = forms.DateField(label=_("Election date"), widget=DateInput())
    term_start = forms.DateField(label=_("Term starts"), widget=DateInput(),
                                 help_text=_("The same term as the committee's."))
    term_end = forms.DateField(label=_("Term ends"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("elected_on") and data["elected_on"] > timezone.localdate():
            self.add_error("elected_on", _("The election date cannot be in the future."))
        if data.get("term_start") and data.get("term_end") and (
                data["term_end"] <= data["term_start"]):
            self.add_error("term_end", _("The term must end after it starts."))
        return data


class SeatForm(forms.Form):
    user = PersonChoice(label=_("Member"), queryset=User.objects.none())
    is_leader = forms.BooleanField(label=_("Group leader"), required=False)
    since = forms.DateField(label=_("Since"), widget=DateInput())
    replaces = forms.ModelChoiceField(
        label=_("By-election: replaces"), required=False,
        queryset=SupervisionSeat.objects.none(),
        help_text=_("The seat this by-election fills; it ends the day this one starts."))

    def __init__(self, *args, group: SupervisionGroup, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        _choices(self, "user", people_of(group.organization))
        _choices(self, "replaces", group.seats.filter(until__isnull=True).select_related(
            "user", "group"))

    def clean_user(self) -> User:
        from .services.supervision import exclusion_reason

        user = self.cleaned_data["user"]
        if reason := exclusion_reason(self.group.organization, user):
            raise forms.ValidationError(reason)
        return user


class SeatEndForm(forms.Form):
    on = forms.DateField(label=_("Ends on"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Why"), choices=[
        c for c in SupervisionSeat.Ended.choices if c[0] != SupervisionSeat.Ended.REPLACED])


class RelativeForm(forms.Form):
    person = PersonChoice(label=_("Person declaring"), queryset=User.objects.none())
    relative = PersonChoice(label=_("Relative"), queryset=User.objects.none())
    relation = forms.ChoiceField(label=_("Relation"),
                                 choices=RelativeDeclaration.Relation.choices)

    def __init__(self, *args, organization: Organization, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = people_of(organization)
        _choices(self, "person", people if acts_for(user, organization)
                 else people.filter(pk=user.pk))
        _choices(self, "relative", people)


class ScopeChoice(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return obj.name


class InspectionPlanForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    period = forms.CharField(label=_("Period"), max_length=40, required=False,
                             help_text=_("e.g. first half, third quarter"))
    scope = ScopeChoice(label=_("Organizations inspected"), queryset=Organization.objects.none())
    subject = forms.CharField(label=_("What to check"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    planned_start = forms.DateField(label=_("Planned start"), widget=DateInput())
    planned_end = forms.DateField(label=_("Planned end"), widget=DateInput())

    def __init__(self, *args, group: SupervisionGroup, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "scope", group.organization.subtree().filter(is_active=True))
        self.fields["year"].initial = timezone.localdate().year


class InspectionRecordForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Plan"), required=False,
                                  queryset=InspectionPlan.objects.none())
    inspected_on = forms.DateField(label=_("Date of inspection"), widget=DateInput())
    scope = ScopeChoice(label=_("Organizations inspected"), queryset=Organization.objects.none())
    checked = forms.CharField(label=_("What was checked"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    conclusion = forms.CharField(label=_("Overall conclusion"), max_length=5000,
                                 required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, group: SupervisionGroup, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "plan", group.plans.select_related("organization"))
        _choices(self, "scope", group.organization.subtree().filter(is_active=True))


class FindingForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organization"),
                                          queryset=Organization.objects.none())
    text = forms.CharField(label=_("Finding"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, record: InspectionRecord, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "organization", record.scope.all())


class OpenOrderForm(forms.Form):
    requirement = forms.CharField(label=_("What must be done"), required=False,
                                  max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Deadline"), widget=DateInput())


class PublishForm(forms.Form):
    audience = forms.ChoiceField(label=_("Publish the results to"),
                                 choices=InspectionRecord.Audience.choices,
                                 widget=forms.RadioSelect)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence (photo or PDF)"))
