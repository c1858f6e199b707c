from django.urls import path

from . import api, change_views, feeds, request_views, views

app_name = "disclosure"

urlpatterns = [
    path("items/", views.item_list, name="item_list"),
    path("items/export.<str:fmt>", views.item_export, name="item_export"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/review/", views.item_review, name="item_review"),
    path("items/<int:pk>/change/", change_views.change_new, name="change_new"),
    path("changes/", change_views.change_inbox, name="change_inbox"),
    path("plans/new/", change_views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", change_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/<slug:decision>/", change_views.plan_decide, name="plan_decide"),
    path("changes/<int:pk>/", change_views.change_detail, name="change_detail"),
    path("changes/<int:pk>/<slug:decision>/", change_views.change_decide, name="change_decide"),
    path("items/<int:pk>/plan-public/", views.item_plan_public, name="item_plan_public"),
    path("items/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "items/<int:pk>/<slug:transition>/", views.item_transition, name="item_transition"
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("mine/", views.member_items, name="member_items"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/<str:code>/new/<int:entry_id>/", views.item_create, name="item_create"),
    path("review/", views.review_inbox, name="review_inbox"),
    path("requests/", request_views.request_list, name="request_list"),
    path("requests/new/", request_views.request_new, name="request_new"),
    path("requests/<int:pk>/", request_views.request_detail, name="request_detail"),
    path("obligations/<int:pk>/file/", request_views.file_obligation, name="file_obligation"),
    path("filings/<int:pk>/<slug:decision>/", request_views.filing_decide,
         name="filing_decide"),
    path("api/v1/items/", api.items, name="api_items"),
    path("api/v1/items/<int:pk>/", api.item_detail, name="api_item"),
    path("api/v1/organizations/", api.organizations, name="api_organizations"),
    path("api/v1/organizations/<str:code>/", api.organization_detail, name="api_organization"),
    path("api/openapi.json", api.openapi, name="api_openapi"),
    path("feeds/items.atom", feeds.PublicItemsFeed(), name="feed_all"),
    path("feeds/orgs/<str:code>.atom", feeds.OrganizationFeed(), name="feed_org"),
    path("feeds/orgs/<str:code>/subtree.atom", feeds.OrganizationFeed(),
         {"subtree": True}, name="feed_org_subtree"),
    path("feeds/categories/<slug:category>.atom", feeds.CategoryFeed(), name="feed_category"),
]
