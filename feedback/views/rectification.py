"""Pages of rectification orders (限期整改)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthedRequest, attempt, form_page, posted_text, record_page
from portal.idempotency import once
from portal.models import Organization
from portal.pagination import paginate
from portal.permissions import load_for
from portal.routing import Routes

from .. import permissions, services
from ..forms import OrderForm, TextForm
from ..models import RectificationOrder

Order = RectificationOrder

routes = Routes()


@routes("rectification/")
@login_required
def order_list(request: AuthedRequest) -> HttpResponse:
    rows = permissions.visible_orders(request.user).select_related("organization").order_by(
        "state", "due_date", "pk")
    return render(request, "feedback/order_list.html", {"page": paginate(request, rows)})


@routes("rectification/new/")
@login_required
@once
def order_new(request: AuthedRequest) -> HttpResponse:
    org = get_object_or_404(Organization, code=request.GET.get("org", ""), is_active=True)
    if not permissions.may_order(request.user, org):
        raise Http404
    return form_page(request, "feedback/order_new.html", OrderForm(request.POST or None),
                     lambda data: services.rectification_order(organization=org,
                                                               actor=request.user, **data),
                     success=_("Rectification ordered."), org=org)


@routes("rectification/<int:pk>/")
@login_required
def order_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return record_page(request, Order, pk, "feedback/order_detail.html", "order",
                       form=lambda user, order: TextForm())


@routes("rectification/<int:pk>/<order_step:action>/")
@login_required
@require_POST
def order_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    order = load_for(request.user, Order, pk=pk)
    text = posted_text(request, TextForm, "text")
    calls = {
        "respond": lambda: services.rectification_respond(order_id=pk, actor=request.user,
                                                          response=text),
        "close": lambda: services.rectification_verify(order_id=pk, actor=request.user,
                                                       accept=True, comment=text),
        "send-back": lambda: services.rectification_verify(order_id=pk, actor=request.user,
                                                           accept=False, comment=text),
    }
    attempt(request, calls[action], success={
        "respond": _("Response sent; whoever ordered the rectification will verify it."),
        "close": _("Verified and closed; the organization is notified."),
        "send-back": _("Sent back; the organization is notified with your reason and "
                       "responds again."),
    }[action])
    return redirect("feedback:order_detail", pk=order.pk)
