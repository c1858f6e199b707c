from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from portal import admin_log
from portal.admin_base import HistoryAdmin as SimpleHistoryAdmin
from portal.models import Organization

from . import defaults, services
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
                  "binds_kinds", "binds_issuer", "binds_below", "state"]


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


class IssuerSelect(AutocompleteSelect):
    """The admin's organization search box, which shows a posted value that is no key as
    nothing (Django's own looks it up as a key and fails)."""

    def optgroups(self, name, value, attr=None):
        keys = [v for v in value if str(v).isascii() and str(v).isdigit() and len(str(v)) < 19]
        return super().optgroups(name, keys, attr)


class LoadDefaultsForm(forms.Form):
    issuer = forms.ModelChoiceField(
        label=_("issued by"), queryset=Organization.objects.filter(is_active=True),
        widget=IssuerSelect(Catalog._meta.get_field("issuer"), admin.site),
        help_text=_("The organization that sets the catalogs: they bind the organizations "
                    "below it, and its own catalog binds itself."))
    effective_from = forms.DateField(label=_("effective from"), widget=AdminDateWidget,
                                     initial=services.default_effective_from)
    kinds = forms.MultipleChoiceField(
        label=_("catalogs"), widget=forms.CheckboxSelectMultiple,
        initial=list(defaults.CATALOG_KEYS),
        choices=[*Organization.Kind.choices, (defaults.OWN, _("The issuer's own affairs"))])


class RollOverForm(ActionForm):
    year = forms.IntegerField(
        label=_("year"), required=False, min_value=2000, max_value=2100,
        help_text=_("For rolling over: the year of the new version (next year if empty)."))


@admin.register(Catalog)
class CatalogAdmin(SimpleHistoryAdmin):
    form = CatalogForm
    action_form = RollOverForm
    actions = ["roll_over"]
    change_list_template = "admin/catalog/catalog/change_list.html"
    list_display = ["name", "version", "issuer", "state", "effective_from", "effective_until"]
    list_filter = ["state"]
    search_fields = ["name"]
    autocomplete_fields = ["issuer"]
    inlines = [CatalogEntryInline]
    audited = True

    def get_urls(self):
        view = self.admin_site.admin_view(self.load_defaults_view)
        return [path("load-defaults/", view, name="catalog_load_defaults"),
                *super().get_urls()]

    def response_action(self, request, queryset):
        """Refuse chosen rows that are no key (the admin would fail on them) with a message."""
        chosen = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if any(not (c.isascii() and c.isdigit() and len(c) < 19) for c in chosen):
            self.message_user(request, gettext("Choose the catalogs from the list."),
                              messages.ERROR)
            return None
        return super().response_action(request, queryset)

    def has_roll_over_permission(self, request) -> bool:
        return self.may_load_defaults(request)

    @admin.action(description=_("Roll over to a new year (a draft version from 1 January)"),
                  permissions=["roll_over"])
    def roll_over(self, request, queryset):
        """Copy the chosen catalogs and their entries into draft versions of the year typed
        in the action bar (next year when empty); refuse all when one cannot be made."""
        raw = request.POST.get("year", "").strip()
        if raw and not (raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100):
            self.message_user(request, gettext("Enter a year between 2000 and 2100."),
                              messages.ERROR)
            return None
        try:
            created = services.catalog_roll_over(
                queryset.select_related("issuer").order_by("pk"),
                year=int(raw) if raw else None, actor=request.user)
        except ValidationError as refused:
            self.message_user(request, " ".join([
                gettext("Nothing was rolled over."), *refused.messages]), messages.ERROR)
            return None
        for catalog in created:
            admin_log.record(catalog, request.user, "added", gettext(
                "Rolled over to the draft version “%(object)s”.") % {"object": catalog})
        self.message_user(request, ngettext(
            "Created the draft version %(names)s. Activate it when it is ready, and give "
            "the version it replaces an end date.",
            "Created the draft versions %(names)s. Activate them when they are ready, and "
            "give the versions they replace an end date.", len(created)) % {
            "names": "、".join(str(c) for c in created)}, messages.SUCCESS)
        return None

    @staticmethod
    def may_load_defaults(request) -> bool:
        return request.user.has_perms(["catalog.add_catalog", "catalog.add_catalogentry"])

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "may_load_defaults": self.may_load_defaults(request)}
        return super().changelist_view(request, extra_context)

    def load_defaults_view(self, request):
        """Choose an issuer, see which default catalogs would be created and which exist
        already, then confirm: loading creates only the missing ones."""
        if not self.may_load_defaults(request):
            raise PermissionDenied
        form = LoadDefaultsForm(request.POST or None)
        planned = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if "confirm" in request.POST:
                results = services.load_default_catalogs(
                    issuer=data["issuer"], effective_from=data["effective_from"],
                    kinds=data["kinds"], actor=request.user)
                for result in results:
                    if result.created and result.catalog is not None:
                        admin_log.record(result.catalog, request.user, "added", gettext(
                            "Loaded the default catalog “%(object)s”.") % {
                            "object": result.catalog})
                self.report_loaded(request, data["issuer"], results)
                return redirect("admin:catalog_catalog_changelist")
            planned = services.default_catalogs(data["issuer"], data["kinds"])
        context = {**self.admin_site.each_context(request), "form": form, "planned": planned,
                   "to_create": [p for p in planned or [] if not p.exists],
                   "title": _("Load the default catalogs"), "opts": self.model._meta,
                   "media": self.media + form.media}
        return TemplateResponse(request, "admin/catalog/load_defaults.html", context)

    @staticmethod
    def report_loaded(request, issuer: Organization,
                      results: list[services.DefaultCatalog]) -> None:
        created = [str(r.catalog) for r in results if r.created]
        kept = [str(r.catalog) for r in results if not r.created]
        if created:
            messages.success(request, ngettext(
                "Created %(count)s catalog issued by %(issuer)s: %(names)s.",
                "Created %(count)s catalogs issued by %(issuer)s: %(names)s.",
                len(created)) % {
                "count": len(created), "issuer": issuer.name, "names": "、".join(created)})
        if kept:
            messages.info(request, gettext(
                "Left unchanged, because they exist already: %(names)s.") % {
                "names": "、".join(kept)})


@admin.register(CatalogEntry)
class CatalogEntryAdmin(SimpleHistoryAdmin):
    form = CatalogEntryForm
    list_display = ["code", "title", "catalog", "category", "party_audience", "public_audience",
                    "duration", "frequency", "period", "active"]
    list_filter = ["catalog", "category", "party_audience", "public_audience", "duration",
                   "frequency", "active"]
    search_fields = ["code", "title"]
    list_select_related = ["catalog"]
    audited = True


# The supervisors of an issuing organization read the admin's changes to its catalogs.
admin_log.scope(Catalog, lambda orgs: Catalog.history.filter(  # type: ignore[attr-defined]
    issuer_id__in=orgs).values("id"))
admin_log.scope(CatalogEntry, lambda orgs: CatalogEntry.history.filter(  # type: ignore[attr-defined]
    catalog_id__in=Catalog.history.filter(  # type: ignore[attr-defined]
        issuer_id__in=orgs).values("id")).values("id"))
