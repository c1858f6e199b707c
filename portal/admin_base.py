"""The admin base every model admin of the portal uses."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages that only show: simple-history's past-version form saves whatever is
    posted with nothing but view permission, so posting to it needs change permission, and
    models that change only through their services refuse it always."""

    history_is_read_only = False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if self.history_is_read_only or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
