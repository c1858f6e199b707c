"""The project's own pages: home and the organization directory."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from catalog.models import Category
from disclosure import selectors
from disclosure.visibility import public_items, public_q

from . import notifications
from .http import AuthedRequest
from .models import Notification, Organization


def home(request: HttpRequest) -> HttpResponse:
    counts = dict(
        public_items().order_by().values_list("category").annotate(n=Count("pk"))
    )
    return render(request, "portal/home.html", {
        "latest": selectors.latest_public(10),
        "organizations": Organization.objects.filter(is_active=True, depth__lte=1),
        "categories": [(value, label, counts.get(value, 0)) for value, label in Category.choices],
    })


def organization_list(request: HttpRequest) -> HttpResponse:
    orgs = Organization.objects.filter(is_active=True).annotate(
        public_count=Count("items", filter=public_q("items__"))
    )
    return render(request, "portal/organization_list.html", {"organizations": orgs})


def organization_detail(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(Organization, code=code, is_active=True)
    subtree = request.GET.get("subtree") == "1"
    items = selectors.browse_items(request.user)
    if subtree:
        items = items.filter(organization__path__startswith=org.path)
    else:
        items = items.filter(organization=org)
    return render(request, "portal/organization_detail.html", {
        "org": org,
        "ancestors": list(org.ancestors()),
        "children": list(org.children.filter(is_active=True)),
        "subtree": subtree,
        "page": Paginator(items, 20).get_page(request.GET.get("page")),
    })


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    page = Paginator(
        Notification.objects.filter(recipient=request.user), 20
    ).get_page(request.GET.get("page"))
    items = list(page.object_list)
    for item in items:  # one user object, so its permissions are read once
        item.recipient = request.user
    rows = zip(items, notifications.render_many(items, request.LANGUAGE_CODE), strict=True)
    return render(request, "portal/notification_list.html", {"page": page, "rows": rows})


@login_required
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(notification)
    url = notifications.render(notification, request.LANGUAGE_CODE).url
    return redirect(url or "notification_list")


@login_required
@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now())
    return redirect("notification_list")
