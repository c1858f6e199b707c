from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from . import admin_log_views, todo_views, views
from .routing import collect

admin.site.site_header = _("Party Affairs Disclosure Portal: administration")
admin.site.site_title = settings.PORTAL_NAME
admin.site.index_title = _("Catalog and organizations")

urlpatterns = [
    *collect(views, admin_log_views, todo_views),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(),
         name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("accounts/password/reset/<uidb64>/<token>/",
         auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    # Exempt from CSRF, as the large-text switch: a forged post can only change the
    # language of the visitor's pages, and public pages carry no token (portal.pagecache).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("archive.urls")),
    path("", include("feedback.urls")),
    path("", include("disclosure.urls")),
]
if settings.BENCHMARK_PAGE:
    urlpatterns.append(path("bench/trivial/", views.trivial_page))
