from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import imports
from .admin_base import HistoryAdmin as SimpleHistoryAdmin
from .holidays import calendar_gap, missing_year_message
from .models import CalendarDay, Membership, Organization, Reminder, RolloutDate, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "since", "until"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "email", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        (_("Portal"), {"fields": ["full_name", "phone", "language", "is_system"]}),
    ]
    # Only superusers hand out site-wide powers; everyone else gets roles via memberships.
    PRIVILEGED = ("is_superuser", "is_staff", "groups", "user_permissions", "is_system")

    def has_change_permission(self, request, obj=None) -> bool:
        """Only superusers touch superuser and system accounts (passwords included)."""
        if obj is not None and (obj.is_superuser or obj.is_system) and not (
                request.user.is_superuser):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and (obj.is_superuser or obj.is_system) and not (
                request.user.is_superuser):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [name for name in self.PRIVILEGED if name not in fields]
        return fields


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=[
        ("organizations", _("Organizations: code, name, type, parent code (level optional)")),
        ("members", _("Members: username, name, organization code, role (e-mail optional)")),
    ], widget=forms.RadioSelect)
    file = forms.FileField(label=_("CSV or Excel file"))


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    change_list_template = "admin/portal/organization/change_list.html"
    list_display = ["indented_name", "code", "level", "kind", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Organization) -> str:
        return "— " * obj.depth + obj.name

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="portal_import"), *super().get_urls()]

    def import_view(self, request):
        """Upload organizations or members; all rows are checked before any is applied."""
        may = {"organizations": request.user.has_perm("portal.add_organization"),
               "members": request.user.has_perm("portal.add_membership")}
        if not any(may.values()):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            kind = form.cleaned_data["kind"]
            if not may[kind]:
                raise PermissionDenied
            run = imports.import_organizations if kind == "organizations" else (
                imports.import_members)
            try:
                result = run(form.cleaned_data["file"], actor=request.user)
            except imports.ImportFileError as error:
                form.add_error("file", str(error))
            else:
                if result.applied:
                    messages.success(request, _(
                        "Imported: %(created)s created, %(updated)s updated, "
                        "%(unchanged)s unchanged.") % vars(result))
        context = {**self.admin_site.each_context(request), "form": form, "result": result,
                   "title": _("Import organizations and members"),
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/portal/import.html", context)


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organization", "role", "since", "until"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    """The national schedule is loaded from the chinesecalendar package (``load_holidays``);
    a day saved here counts as corrected and no reload changes or removes it."""

    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]
    readonly_fields = ["source"]

    def save_model(self, request, obj, form, change) -> None:
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        if (year := calendar_gap()) is not None:
            messages.warning(request, missing_year_message(year))
        return super().changelist_view(request, extra_context)


@admin.register(RolloutDate)
class RolloutDateAdmin(SimpleHistoryAdmin):
    list_display = ["issuer", "kind", "start_by", "note"]
    list_filter = ["kind"]
    list_select_related = ["issuer"]
    autocomplete_fields = ["issuer"]
    search_fields = ["issuer__name", "issuer__code"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["source", "target_id", "stage", "due_date", "sent_at", "recipients"]
    list_filter = ["source", "stage"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
