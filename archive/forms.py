from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Organization


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Archive number or title"), required=False, max_length=100)
    organization = forms.ModelChoiceField(
        label=_("Organization"), required=False, queryset=Organization.objects.none(),
        to_field_name="code", empty_label=_("All organizations"))
    subtree = forms.BooleanField(label=_("Include subordinate organizations"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.filter(is_active=True)


class ReportFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), required=False, queryset=Organization.objects.none(),
        to_field_name="code", empty_label=_("All organizations"))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.filter(is_active=True)


class ReportGenerateForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization (with the organizations below it)"),
        queryset=Organization.objects.none(), to_field_name="code")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=9999)

    def __init__(self, *args, organizations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])


class ReportEditForm(forms.Form):
    overview = forms.CharField(label=_("Overall situation"), max_length=20000,
                               required=False, widget=forms.Textarea(attrs={"rows": 6}))
    practices = forms.CharField(label=_("Main practices"), max_length=20000,
                                required=False, widget=forms.Textarea(attrs={"rows": 6}))
    problems = forms.CharField(label=_("Problems found"), max_length=20000,
                               required=False, widget=forms.Textarea(attrs={"rows": 6}))
    plans = forms.CharField(label=_("Next steps"), max_length=20000,
                            required=False, widget=forms.Textarea(attrs={"rows": 6}))
