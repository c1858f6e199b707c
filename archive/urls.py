from django.urls import path

from portal.urlconverters import register_words

from . import supervision_views, views

register_words("register_format", "csv", "xlsx", "zip")

app_name = "archive"

urlpatterns = [
    path("archive/", views.register, name="register"),
    path("archive/export.<register_format:fmt>", views.register_export, name="register_export"),
    path("archive/files/<int:pk>/", views.file_download, name="file_download"),
    path("archive/<str:number>/", views.record_detail, name="record_detail"),
    path("items/<int:pk>/archive/", views.archive_item, name="archive_item"),
]

urlpatterns += [
    path("supervision/", supervision_views.dashboard, name="dashboard"),
    path("supervision/obligations/", supervision_views.obligations, name="obligations"),
    path("supervision/history/", supervision_views.history, name="history"),
    path("supervision/history/<slug:kind>/<int:pk>/", supervision_views.history_timeline,
         name="history_timeline"),
    path("orgs/<str:code>/notice-board/", supervision_views.notice_board, name="notice_board"),
]
