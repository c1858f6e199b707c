from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from portal.admin_base import HistoryAdmin
from portal.workflow import TransitionError

from . import services
from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(HistoryAdmin):
    """The catalog admin sets up a campaign, opens it, and closes it to publish results."""

    list_display = ["title", "period_label", "voters", "results_public", "state", "opened_at",
                    "closed_at"]
    list_filter = ["state"]
    filter_horizontal = ["organizations"]
    readonly_fields = ["state", "opened_at", "closed_at"]
    actions = ["open_selected", "close_selected"]
    # Once voting has begun, who votes, on which organizations and whether the results are
    # public are the campaign's record: they change no more.
    FIXED_ONCE_OPEN = ["title", "period_label", "voters", "organizations", "results_public"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state != Campaign.State.DRAFT:
            fields += [name for name in self.FIXED_ONCE_OPEN if name not in fields]
        return fields

    @admin.action(description=_("Open the selected campaigns for voting"))
    def open_selected(self, request, queryset):
        self._run(request, queryset, services.campaign_open)

    @admin.action(description=_("Close the selected campaigns and publish the results"))
    def close_selected(self, request, queryset):
        self._run(request, queryset, services.campaign_close)

    def _run(self, request, queryset, action):
        for campaign in queryset:
            try:
                action(campaign_id=campaign.pk, actor=request.user)
            except TransitionError as error:
                self.message_user(request, f"{campaign}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{campaign}: ✓", messages.SUCCESS)
