"""The read-only JSON API: public items and organizations, described by OpenAPI.

Items come from ``public_items()`` only, whoever asks: the API never shows anything
internal, even to a signed-in member.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog.models import Category, Duration, Frequency
from portal.models import Organization
from portal.pagecache import public_page
from portal.pagination import CappedPaginator
from portal.routing import Routes

from . import search
from .models import DisclosureItem
from .openapi import document
from .visibility import public_items

MAX_PAGE_SIZE = 100

routes = Routes()


class ItemQuery(forms.Form):
    organization = forms.CharField(required=False, max_length=32)
    subtree = forms.BooleanField(required=False)
    category = forms.ChoiceField(required=False, choices=[("", ""), *Category.choices])
    duration = forms.ChoiceField(required=False, choices=[("", ""), *Duration.choices])
    frequency = forms.ChoiceField(required=False, choices=[("", ""), *Frequency.choices])
    published_after = forms.DateField(required=False)
    published_before = forms.DateField(required=False)
    q = forms.CharField(required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


def _error(message: str, status: int = 400, details=None) -> JsonResponse:
    body = {"error": message}
    if details:
        body["details"] = details
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _json(data, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _org_ref(org: Organization) -> dict:
    return {"code": org.code, "name": org.name}


def item_summary(request: HttpRequest, item: DisclosureItem) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "organization": _org_ref(item.organization),
        "category": {"code": item.category, "label": str(item.get_category_display())},
        "duration": item.duration,
        "frequency": item.frequency,
        "published_at": item.public_at.isoformat() if item.public_at else None,
        "url": request.build_absolute_uri(reverse("disclosure:item_detail", args=[item.pk])),
    }


def item_full(request: HttpRequest, item: DisclosureItem) -> dict:
    data = item_summary(request, item)
    data.update({
        "body_html": item.body_html,
        "event_date": item.event_date.isoformat() if item.event_date else None,
        "period_start": item.period_start.isoformat() if item.period_start else None,
        "period_end": item.period_end.isoformat() if item.period_end else None,
        "display_until": item.display_until.isoformat() if item.display_until else None,
        "attachments": [
            {"name": a.original_name, "size": a.size, "sha256": a.sha256,
             "url": request.build_absolute_uri(
                 reverse("disclosure:attachment_download", args=[a.pk]))}
            for a in item.attachments.all()
        ],
    })
    return data


@routes("api/v1/items/", name="api_items")
@require_GET
@public_page
def items(request: HttpRequest) -> JsonResponse:
    query = ItemQuery(request.GET)
    if not query.is_valid():
        return _error(_("Invalid query parameters."), details=query.errors.get_json_data())
    data = query.cleaned_data
    found = public_items().select_related("organization").order_by("-public_at", "-pk")
    if data["organization"]:
        org = Organization.objects.filter(code=data["organization"]).first()
        if org is None:
            return _error(_("Unknown organization."), 404)
        found = (found.filter(organization__path__startswith=org.path) if data["subtree"]
                 else found.filter(organization=org))
    if data["category"]:
        found = found.filter(category=data["category"])
    if data["duration"]:
        found = found.filter(duration=data["duration"])
    if data["frequency"]:
        found = found.filter(frequency=data["frequency"])
    if data["published_after"]:
        found = found.filter(public_at__date__gte=data["published_after"])
    if data["published_before"]:
        found = found.filter(public_at__date__lte=data["published_before"])
    if data["q"]:
        found = search.search(found, data["q"])
    paginator = CappedPaginator(found, data["page_size"] or 20)
    page_number = data["page"] or 1
    if page_number > max(paginator.num_pages, 1):
        return _error(_("There is no such page."), 404)
    page = paginator.page(page_number)
    return _json({
        "count": paginator.count,
        "page": page_number,
        "pages": paginator.num_pages,
        "results": [item_summary(request, item) for item in page.object_list],
    })


@routes("api/v1/items/<int:pk>/", name="api_item")
@require_GET
@public_page
def item_detail(request: HttpRequest, pk: int) -> JsonResponse:
    item = public_items().select_related("organization").filter(pk=pk).first()
    if item is None:
        return _error(_("Not found."), 404)
    return _json(item_full(request, item))


def _org(org: Organization, parents: dict[int, str]) -> dict:
    return {
        "code": org.code, "name": org.name, "level": org.level, "type": org.kind,
        "parent": parents.get(org.parent_id) if org.parent_id else None,
    }


@routes("api/v1/organizations/", name="api_organizations")
@require_GET
@public_page
def organizations(request: HttpRequest) -> JsonResponse:
    orgs = list(Organization.objects.filter(is_active=True))
    parents = {o.pk: o.code for o in orgs}
    return _json({"count": len(orgs), "results": [_org(o, parents) for o in orgs]})


@routes("api/v1/organizations/<str:code>/", name="api_organization")
@require_GET
@public_page
def organization_detail(request: HttpRequest, code: str) -> JsonResponse:
    org = Organization.objects.filter(code=code, is_active=True).select_related("parent").first()
    if org is None:
        return _error(_("Not found."), 404)
    parents = {org.parent.pk: org.parent.code} if org.parent is not None else {}
    data = _org(org, parents)
    data["children"] = list(org.children.filter(is_active=True).values_list("code", flat=True))
    data["public_items"] = public_items().filter(organization=org).count()
    return _json(data)


@routes("api/openapi.json", name="api_openapi")
@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return _json(document(request.build_absolute_uri("/api/v1")))


