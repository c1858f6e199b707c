from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("archive/", views.register, name="register"),
    path("archive/export.<str:fmt>", views.register_export, name="register_export"),
    path("archive/files/<int:pk>/", views.file_download, name="file_download"),
    path("archive/<str:number>/", views.record_detail, name="record_detail"),
    path("items/<int:pk>/archive/", views.archive_item, name="archive_item"),
]
