from django.contrib import admin

from portal.admin_base import HistoryAdmin as SimpleHistoryAdmin

from .models import Attachment, DisclosureItem, Obligation, Review
from .visibility import can_see_workflow, visibility_q


class ReviewInline(admin.TabularInline):
    model = Review
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "comment", "confidentiality_checked", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    readonly_fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]
    exclude = ["file", "extension", "uploaded_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DisclosureItem)
class DisclosureItemAdmin(SimpleHistoryAdmin):
    """Read-only in the admin: items change only through the workflow's services."""

    list_display = ["title", "organization", "category", "state", "internal_at", "public_at"]
    history_is_read_only = True

    def get_queryset(self, request):
        # Staff see in the admin what the visibility module lets them see, nothing more.
        return super().get_queryset(request).filter(visibility_q(request.user))
    list_filter = ["state", "category", "duration", "frequency", "party_audience",
                   "public_audience"]
    search_fields = ["title"]
    list_select_related = ["organization"]
    inlines = [ReviewInline, AttachmentInline]

    def get_inlines(self, request, obj):
        # The review trail follows the site's one rule for it, here as on the item page.
        if obj is not None and can_see_workflow(request.user, obj):
            return self.inlines
        return [AttachmentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Obligation)
class ObligationAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "entry", "period_start", "due_date", "state"]
    list_filter = ["state", "entry__catalog"]
    search_fields = ["organization__name", "entry__title"]
    list_select_related = ["organization", "entry"]
    readonly_fields = ["entry", "organization", "period_start", "period_end", "due_date",
                       "state", "draft", "fulfilled_by", "fulfilled_at", "created_at"]
    history_is_read_only = True

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
