"""The admin base every model admin of the portal uses."""

import json

from csp.decorators import csp_update
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import admin_log, permissions

# simple-history's history list carries one style attribute, "border-top: 0" on its
# paginator. The Content-Security-Policy allows that one declaration, by its hash, on that
# page alone; every other page allows no style attribute at all.
HISTORY_LIST_STYLE = {
    "style-src-attr": ["'unsafe-hashes'", "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
}


class KeyAutocompleteSelect(AutocompleteSelect):
    """The admin's search box for a related record, which shows a posted value that is no
    key as nothing (Django's own looks it up as a key and fails)."""

    def optgroups(self, name, value, attr=None):
        keys = [v for v in value if str(v).isascii() and str(v).isdigit() and len(str(v)) < 19]
        return super().optgroups(name, keys, attr)


class KeyAutocomplete:
    """Use :class:`KeyAutocompleteSelect` for the admin's ``autocomplete_fields``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyAutocompleteSelect(db_field, self.admin_site,
                                                     using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadableChanges(HistoricalRecordContextHelper):
    """The history list's changes as the admin shows values: a choice by its label, yes
    and no by their icons, an empty value as the admin's dash, not the stored codes."""

    def prepare_delta_change_value(self, change, value):
        from django.contrib.admin.utils import display_for_field
        from django.db.models import ForeignKey

        field = self.model._meta.get_field(change.field)
        if isinstance(field, ForeignKey) and getattr(value, "pk", "") is None:
            value = None  # simple-history's stand-in for an empty key
        if field.is_relation and value is not None:
            return super().prepare_delta_change_value(change, value)
        return display_for_field(value, field, "-")


class HistoryAdmin(KeyAutocomplete, SimpleHistoryAdmin):
    """History pages that only show, and lists that show only what the reader may see.

    simple-history's past-version form saves whatever is posted, bypassing the services,
    the four-eyes grants and the read-only fields (a user's reverted version would bring
    back ``is_superuser`` with the password set since). So history is read-only in the
    admin for every model (``history_is_read_only``): a past version is shown, never
    restored; to go back, change the record through its own form or service.

    For models with a permission home (``portal.permissions``), staff who may not change
    them in the admin see in the lists, change pages and history pages only what the
    permission home lets them see on the site; the rest answers 404, as on the site.

    ``audited`` admins also write an ``admin.*`` event for every add, change and deletion
    (``portal.admin_log``), which the supervisors of the organization read.
    """

    history_is_read_only = True
    audited = False

    # Who sees what.

    def get_queryset(self, request):
        return self.visible_only(request, super().get_queryset(request))

    def visible_only(self, request, queryset):
        """Filter ``queryset`` through the model's permission home, unless the reader may
        change such records in the admin (managing them is their job) or is a superuser."""
        user = request.user
        if user.is_superuser or self.manages(request):
            return queryset
        try:
            rules = permissions.rules_for(self.model)
        except KeyError:  # an internal model: the admin's own permissions decide
            return queryset
        return queryset.filter(pk__in=rules.visible(user).values("pk"))

    def manages(self, request) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def _visible_or_404(self, request, object_id) -> None:
        """Answer 404 for a record the reader may not see (a deleted record's history is
        for superusers alone)."""
        if self.get_object(request, unquote(object_id)) is not None:
            return
        if request.user.is_superuser:
            return
        raise Http404

    # History: read-only, and only of what one may see.

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records,
                                  foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        # Services record their reasons as message ids (portal.admin_i18n names them).
        for record in historical_records:
            reason = record.history_change_reason
            record.history_change_reason = gettext(reason) if reason else ""

    @method_decorator(csp_update(HISTORY_LIST_STYLE))
    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version of a user links to "../password/", which lands here.
        if not str(version_id).isdigit():
            raise Http404
        self._visible_or_404(request, object_id)
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if self.history_is_read_only or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None) -> bool:
        return self.history_is_read_only or super().revert_disabled(request, obj)

    # The admin's changes as events.

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self.audit(request, obj, "added", gettext("Added “%(object)s”.") % {"object": obj},
                   message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self.audit(request, obj, "changed", gettext("Changed “%(object)s”.") % {"object": obj},
                   message)
        return entry

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self.audit(request, obj, "deleted",
                       gettext("Deleted “%(object)s”.") % {"object": obj}, "")
        return super().log_deletions(request, queryset)

    def audit(self, request, obj, action: str, sentence: str, message) -> None:
        if not self.audited:
            return
        details = LogEntry(change_message=json.dumps(message) if isinstance(
            message, list) else str(message or "")).get_change_message()
        admin_log.record(obj, request.user, action, f"{sentence} {details}".strip())
