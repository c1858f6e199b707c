from django.urls import path

from portal.urlconverters import register_words

from . import api, feeds
from .views import changes, filings, items, requests, workplans

register_words("item_step", "submit", "discard", "publish-internal", "release-public")
register_words("decision", "approve", "reject")
register_words("filing_decision", "acknowledge", "return")
register_words("export_format", "csv", "xlsx")

app_name = "disclosure"

urlpatterns = [
    path("items/", items.item_list, name="item_list"),
    path("items/export.<export_format:fmt>", items.item_export, name="item_export"),
    path("items/<int:pk>/", items.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", items.item_edit, name="item_edit"),
    path("items/<int:pk>/review/", items.item_review, name="item_review"),
    path("items/<int:pk>/plan-public/", items.item_plan_public, name="item_plan_public"),
    path("items/<int:pk>/attachments/", items.attachment_upload, name="attachment_upload"),
    path("items/<int:pk>/<item_step:transition>/", items.item_transition,
         name="item_transition"),
    path("attachments/<int:pk>/", items.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", items.attachment_delete, name="attachment_delete"),
    path("mine/", items.member_items, name="member_items"),
    path("workspace/", items.workspace, name="workspace"),
    path("workspace/<str:code>/new/<int:entry_id>/", items.item_create, name="item_create"),
    path("review/", items.review_inbox, name="review_inbox"),
    path("items/<int:pk>/change/", changes.change_new, name="change_new"),
    path("changes/", changes.change_inbox, name="change_inbox"),
    path("changes/<int:pk>/", changes.change_detail, name="change_detail"),
    path("changes/<int:pk>/<decision:decision>/", changes.change_decide, name="change_decide"),
    path("plans/new/", workplans.plan_new, name="plan_new"),
    path("plans/<int:pk>/", workplans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/<decision:decision>/", workplans.plan_decide, name="plan_decide"),
    path("requests/", requests.request_list, name="request_list"),
    path("requests/new/", requests.request_new, name="request_new"),
    path("requests/<int:pk>/", requests.request_detail, name="request_detail"),
    path("obligations/<int:pk>/file/", filings.file_obligation, name="file_obligation"),
    path("filings/<int:pk>/<filing_decision:decision>/", filings.filing_decide,
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
