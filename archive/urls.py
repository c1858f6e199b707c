from portal.routing import collect

from . import supervision_views, views

app_name = "archive"
urlpatterns = collect(views, supervision_views)
