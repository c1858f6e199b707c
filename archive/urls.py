from portal.routing import collect

from . import report_views, rollout_views, supervision_views, views

app_name = "archive"
urlpatterns = collect(views, supervision_views, rollout_views, report_views)
