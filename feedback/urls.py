from django.urls import path

from portal.urlconverters import register_words

from .views import evaluation, feedback, rectification

register_words("feedback_step", "accept", "reject", "start", "reply", "close")
register_words("order_step", "respond", "close", "send-back")

app_name = "feedback"

urlpatterns = [
    path("feedback/new/", feedback.feedback_new, name="new"),
    path("feedback/thanks/", feedback.thanks, name="thanks"),
    path("feedback/track/", feedback.track, name="track"),
    path("feedback/mine/", feedback.mine, name="mine"),
    path("feedback/inbox/", feedback.inbox, name="inbox"),
    path("feedback/inbox/record/", feedback.record_offline, name="record"),
    path("feedback/<int:pk>/", feedback.detail, name="detail"),
    path("feedback/<int:pk>/<feedback_step:step>/", feedback.handle, name="handle"),
    path("rectification/", rectification.order_list, name="order_list"),
    path("rectification/new/", rectification.order_new, name="order_new"),
    path("rectification/<int:pk>/", rectification.order_detail, name="order_detail"),
    path("rectification/<int:pk>/<order_step:action>/", rectification.order_act,
         name="order_act"),
    path("evaluation/", evaluation.campaign_list, name="campaigns"),
    path("evaluation/<int:pk>/", evaluation.vote, name="vote"),
    path("evaluation/<int:pk>/results/", evaluation.campaign_results, name="results"),
]
