from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_base import HistoryAdmin as SimpleHistoryAdmin
from portal.models import Organization

from .models import Carrier, Catalog, CatalogEntry


class CatalogForm(forms.ModelForm):
    binds_kinds = forms.MultipleChoiceField(
        label=_("binds organization types"), required=False,
        choices=Organization.Kind.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("All types when none is ticked."),
    )

    class Meta:
        model = Catalog
        fields = ["name", "issuer", "version", "effective_from", "effective_until",
                  "binds_kinds", "binds_issuer", "state"]


class CatalogEntryForm(forms.ModelForm):
    carriers = forms.MultipleChoiceField(
        label=_("carriers"), required=False, choices=Carrier.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CatalogEntry
        fields = ["catalog", "code", "category", "title", "content", "party_audience",
                  "range_leadership", "range_cadres", "public_audience", "lead_days",
                  "duration", "display_days", "frequency", "period", "due_days", "carriers",
                  "body_template", "retention", "order", "active"]


class CatalogEntryInline(admin.StackedInline):
    model = CatalogEntry
    form = CatalogEntryForm
    extra = 0
    show_change_link = True


@admin.register(Catalog)
class CatalogAdmin(SimpleHistoryAdmin):
    form = CatalogForm
    list_display = ["name", "version", "issuer", "state", "effective_from", "effective_until"]
    list_filter = ["state"]
    search_fields = ["name"]
    autocomplete_fields = ["issuer"]
    inlines = [CatalogEntryInline]


@admin.register(CatalogEntry)
class CatalogEntryAdmin(SimpleHistoryAdmin):
    form = CatalogEntryForm
    list_display = ["code", "title", "catalog", "category", "party_audience", "public_audience",
                    "duration", "frequency", "period", "active"]
    list_filter = ["catalog", "category", "party_audience", "public_audience", "duration",
                   "frequency", "active"]
    search_fields = ["code", "title"]
    list_select_related = ["catalog"]
