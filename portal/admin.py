from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import CalendarDay, Membership, Organization, Reminder, User


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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [name for name in self.PRIVILEGED if name not in fields]
        return fields


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["indented_name", "code", "level", "kind", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Organization) -> str:
        return "— " * obj.depth + obj.name


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organization", "role", "since", "until"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["source", "target_id", "stage", "due_date", "sent_at", "recipients"]
    list_filter = ["source", "stage"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
