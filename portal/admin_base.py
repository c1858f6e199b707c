"""The admin base every model admin of the portal uses."""

from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.decorators import method_decorator
from simple_history.admin import SimpleHistoryAdmin

# simple-history's history list carries one style attribute, "border-top: 0" on its
# paginator. The Content-Security-Policy allows that one declaration, by its hash, on that
# page alone; every other page allows no style attribute at all.
HISTORY_LIST_STYLE = {
    "style-src-attr": ["'unsafe-hashes'", "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
}


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages that only show: simple-history's past-version form saves whatever is
    posted with nothing but view permission, so posting to it needs change permission, and
    models that change only through their services refuse it always."""

    history_is_read_only = False

    @method_decorator(csp_update(HISTORY_LIST_STYLE))
    def history_view(self, request, object_id, extra_context=None):
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version of a user links to "../password/", which lands here.
        if not str(version_id).isdigit():
            raise Http404
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if self.history_is_read_only or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
