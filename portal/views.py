"""The project's own pages: home, the organization directory, notifications and the
account pages (password change and reset)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Category
from disclosure import selectors
from portal.routing import Routes

from . import notifications, org_tree, ratelimit
from .http import AuthedRequest
from .models import Notification, Organization
from .pagecache import public_page
from .pagination import paginate

routes = Routes()


@routes("")
@public_page
def home(request: HttpRequest) -> HttpResponse:
    counts = selectors.browse_counts(request.user, "category")
    return render(request, "portal/home.html", {
        "latest": selectors.latest_public(10),
        "organizations": Organization.objects.filter(is_active=True, depth__lte=1),
        "categories": [(value, label, counts.get(value, 0)) for value, label in Category.choices],
    })


ORG_MATCHES = 200


@routes("orgs/")
@public_page
def organization_list(request: HttpRequest) -> HttpResponse:
    """Every organization as a tree, each with the number of disclosures the reader can
    read in it and below it; or the organizations whose name or code matches ``q``, with
    the organizations above them."""
    query = request.GET.get("q", "").strip()[:50]
    orgs = org_tree.load_nodes()
    counts = selectors.browse_counts(request.user, "organization")
    rows = org_tree.tree_rows(orgs, counts, query, limit=ORG_MATCHES)
    return render(request, "portal/organization_list.html", {
        "rows": rows, "query": query, "matched": sum(row.matched for row in rows),
        "tree": org_tree.render_rows(rows, reverse("organization_list")),
    })


@routes("orgs/<str:code>/")
@public_page
def organization_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The organization's disclosures with those of every organization below it, or
    (``subtree=0``) its own only; an organization with none below has no such choice."""
    org = get_object_or_404(Organization, code=code, is_active=True)
    children = list(org.children.filter(is_active=True))
    # Whatever lies below counts, as in the directory's totals (organizations no longer
    # active included); only an organization with active ones below offers the choice.
    subtree = not (children and request.GET.get("subtree") == "0")
    items = selectors.in_organization(selectors.browse_items(request.user), org,
                                      subtree=subtree)
    return render(request, "portal/organization_detail.html", {
        "org": org,
        "ancestors": list(org.ancestors()),
        "children": children,
        "subtree": subtree,
        "page": paginate(request, items),
        "may_follow_groups": _may_follow_groups(request.user, org),
    })


def _may_follow_groups(user, org: Organization) -> bool:
    """Whether the link to the organization's supervision group leads anywhere for
    ``user`` (the group list answers 404 for an organization whose groups they may not
    follow)."""
    from feedback.models_supervision import SupervisionGroup
    from feedback.permissions_supervision import can_view_group

    return can_view_group(user, SupervisionGroup(organization=org))


@routes("notifications/")
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


@routes("notifications/<int:pk>/")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET shows the notification (the link of its e-mail lands here) and changes nothing;
    POST, the page's and the list's button, marks it read and goes on to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    text = notifications.render(notification, request.LANGUAGE_CODE)
    if request.method != "POST":
        return render(request, "portal/notification_detail.html",
                      {"notification": notification, "text": text})
    notifications.mark_read(notification)
    return redirect(text.url or "notification_list")


@routes("notifications/read-all/")
@login_required
@require_POST
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    with transaction.atomic():
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now())
        notifications.notices_changed(request.user.pk)
    return redirect("notification_list")


LARGE_TEXT_COOKIE = "large_text"
LARGE_TEXT_SECONDS = 365 * 24 * 3600


@routes("display/large-text/")
@csrf_exempt  # it changes nothing but the visitor's text size; public pages carry no token
@require_POST
def large_text(request: HttpRequest) -> HttpResponse:
    """Switch large text (bigger type, more line spacing) on or off for this browser and go
    back to the page. A cookie remembers it, so the server marks <html> before the first
    paint: no script is needed, which the CSP would refuse inline anyway."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = "/"
    response = redirect(back)
    if request.POST.get("large_text") == "1":
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=LARGE_TEXT_SECONDS,
                            samesite="Lax", httponly=True,
                            secure=settings.LANGUAGE_COOKIE_SECURE)
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE, samesite="Lax")
    return response


@routes("health/")
def health(request: HttpRequest) -> HttpResponse:
    """Answer that the application server is up: one small template and no queries, which
    load balancers poll and the benchmark measures as the floor of a Django page."""
    return render(request, "portal/health.html", {"now": timezone.now()})


TRIVIAL_ROWS = [{"pk": n, "title": f"第{n}条", "day": f"2026-11-{n:02d}"} for n in range(1, 21)]


def trivial_page(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor (only with ``settings.BENCHMARK_PAGE``): a 20-row list template
    and no query, through the same middleware as every page."""
    return render(request, "portal/trivial.html", {"rows": TRIVIAL_ROWS})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The 403 page of a form whose security token was missing or stale (CSRF_FAILURE_VIEW),
    in the portal's look: Django's own page has inline styles that the CSP blocks."""
    return render(request, "registration/csrf_failure.html", status=403)


class QueuedPasswordResetForm(PasswordResetForm):
    """Renders the reset message in the request and leaves sending to the worker: the
    answer then takes as long whether or not an account has the address (sending took the
    mail server's time only when it had)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None) -> None:
        from django.template import loader

        from .tasks import send_reset_email

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        try:
            send_reset_email.delay(subject, body, from_email, to_email)
        except Exception:  # the broker is down: send now rather than lose the message
            send_reset_email(subject, body, from_email, to_email)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail, limited per address (beyond it the 429 page) and per e-mail
    address (beyond it no more mail, and the same page as always). Whether an account has
    the address is never said. The link in the mail is built from PORTAL_BASE_URL, not from
    the request's Host header."""

    form_class = QueuedPasswordResetForm

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        verdict = ratelimit.hit(request, "accounts.password_reset")
        if not verdict.allowed:
            return ratelimit.too_many(request, retry_after=verdict.retry_after)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        email = form.cleaned_data["email"].strip().lower()
        who = hashlib.sha256(email.encode()).hexdigest()[:32]
        if ratelimit.hit(None, "accounts.password_reset_email", who=who).allowed:
            form.save(
                request=self.request,
                domain_override=urlsplit(settings.PORTAL_BASE_URL).netloc,
                use_https=settings.PORTAL_BASE_URL.startswith("https:"),
                subject_template_name=self.subject_template_name,
                email_template_name=self.email_template_name,
                extra_email_context={"base_url": settings.PORTAL_BASE_URL.rstrip("/"),
                                     "portal_name": settings.PORTAL_NAME},
            )
        return redirect(self.get_success_url())
