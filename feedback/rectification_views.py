"""Pages of rectification orders (限期整改)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from disclosure.errors import TransitionError
from portal.http import AuthedRequest
from portal.models import Organization
from portal.roles import has_org_perm, org_ids_with, supervised_subtree_q
from portal.widgets import DateInput

from . import rectification
from .models import RectificationOrder

Order = RectificationOrder


class OrderForm(forms.Form):
    finding = forms.CharField(label=gettext_lazy("Finding"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    requirement = forms.CharField(label=gettext_lazy("What must be done"), required=False,
                                  max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=gettext_lazy("Deadline"),
                               widget=DateInput())


class TextForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Response or comment"), required=False,
                           max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


def visible_orders(user):
    if user.is_superuser:
        return Order.objects.all()
    query = Q(organization_id__in=org_ids_with(user, "publish")) | Q(
        organization__parent_id__in=org_ids_with(user, "review"))
    if (subtree := supervised_subtree_q(user, prefix="organization__")) is not None:
        query |= subtree
    return Order.objects.filter(query)


@login_required
def order_list(request: AuthedRequest) -> HttpResponse:
    rows = visible_orders(request.user).select_related("organization").order_by(
        "state", "due_date")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "feedback/order_list.html", {"page": page})


@login_required
def order_new(request: AuthedRequest) -> HttpResponse:
    org = get_object_or_404(Organization, code=request.GET.get("org", ""), is_active=True)
    if not rectification.may_order(request.user, org):
        raise Http404
    form = OrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = rectification.order_rectification(organization=org, actor=request.user,
                                                      **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Rectification ordered."))
            return redirect("feedback:order_detail", pk=order.pk)
    return render(request, "feedback/order_new.html", {"form": form, "org": org})


def _order_for(request: AuthedRequest, pk: int) -> Order:
    order = get_object_or_404(visible_orders(request.user).select_related(
        "organization", "ordered_by"), pk=pk)
    return order


@login_required
def order_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    order = _order_for(request, pk)
    return render(request, "feedback/order_detail.html", {
        "order": order, "form": TextForm(),
        "may_respond": order.state in (Order.State.ORDERED, Order.State.SENT_BACK)
        and has_org_perm(request.user, "publish", order.organization),
        "may_verify": order.state == Order.State.RESPONDED
        and rectification.may_order(request.user, order.organization),
    })


@login_required
@require_POST
def order_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    order = _order_for(request, pk)
    form = TextForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    calls = {
        "respond": lambda: rectification.respond(order_id=pk, actor=request.user,
                                                 response=text),
        "close": lambda: rectification.verify(order_id=pk, actor=request.user, accept=True,
                                              comment=text),
        "send-back": lambda: rectification.verify(order_id=pk, actor=request.user,
                                                  accept=False, comment=text),
    }
    if action not in calls:
        raise Http404
    try:
        calls[action]()
    except PermissionDenied as error:
        raise Http404 from error
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("feedback:order_detail", pk=order.pk)
