from portal.routing import collect

from .views import evaluation, feedback, rectification, supervision

app_name = "feedback"
urlpatterns = collect(feedback, rectification, evaluation, supervision)
