from django.urls import path

from . import rectification_views, views

app_name = "feedback"

urlpatterns = [
    path("feedback/new/", views.feedback_new, name="new"),
    path("feedback/thanks/", views.thanks, name="thanks"),
    path("feedback/track/", views.track, name="track"),
    path("feedback/mine/", views.mine, name="mine"),
    path("feedback/inbox/", views.inbox, name="inbox"),
    path("feedback/inbox/record/", views.record_offline, name="record"),
    path("feedback/<int:pk>/", views.detail, name="detail"),
    path("feedback/<int:pk>/<slug:step>/", views.handle, name="handle"),
    path("rectification/", rectification_views.order_list, name="order_list"),
    path("rectification/new/", rectification_views.order_new, name="order_new"),
    path("rectification/<int:pk>/", rectification_views.order_detail, name="order_detail"),
    path("rectification/<int:pk>/<slug:action>/", rectification_views.order_act,
         name="order_act"),
]

from . import evaluation_views  # noqa: E402

urlpatterns += [
    path("evaluation/", evaluation_views.campaign_list, name="campaigns"),
    path("evaluation/<int:pk>/", evaluation_views.vote, name="vote"),
    path("evaluation/<int:pk>/results/", evaluation_views.campaign_results, name="results"),
]
