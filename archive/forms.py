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
