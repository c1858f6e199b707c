from portal.routing import collect

from .views import commitments, evaluation, feedback, rectification, residents, supervision

app_name = "feedback"
urlpatterns = collect(feedback, rectification, evaluation, commitments, residents, supervision)
