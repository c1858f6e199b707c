"""Pages for on-request disclosure (依申请公开) and non-disclosure filings (暂不公开备案)."""

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

from portal.http import AuthedRequest
from portal.models import Organization, Role
from portal.roles import has_org_perm, org_ids_with, supervises, user_organizations

from . import filings
from .errors import TransitionError
from .models import PUBLISHED_STATES, DisclosureItem, DisclosureRequest, Obligation

Request = DisclosureRequest


class RequestForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("What would you like disclosed?"),
                              max_length=200)
    reason = forms.CharField(label=gettext_lazy("Why you need it (optional)"), required=False,
                             max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Answer"), widget=forms.RadioSelect,
                                 choices=[c for c in Request.State.choices
                                          if c[0] != Request.State.SUBMITTED])
    item = forms.ModelChoiceField(label=gettext_lazy("Item to disclose"), required=False,
                                  queryset=DisclosureItem.objects.none())
    scope_role = forms.ChoiceField(label=gettext_lazy("Disclose to (for a scope)"),
                                   required=False, choices=[("", "—"), *Role.choices])
    answer = forms.CharField(label=gettext_lazy("Answer to the applicant"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = DisclosureItem.objects.filter(
            organization=organization, status__in=PUBLISHED_STATES)


class FilingForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why it cannot be disclosed for now"),
                             max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))


@login_required
def request_new(request: AuthedRequest) -> HttpResponse:
    mine = user_organizations(request.user, "view_internal")
    if not mine:
        raise Http404
    targets = Organization.objects.filter(
        pk__in={int(p) for org in mine for p in org.path.strip("/").split("/")})
    code = request.GET.get("org") or mine[0].code
    org = get_object_or_404(targets, code=code)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = filings.request_submit(organization=org, applicant=request.user,
                                          **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your application was sent."))
            return redirect("disclosure:request_detail", pk=made.pk)
    return render(request, "disclosure/request_new.html", {
        "form": form, "org": org, "targets": targets})


def _request_for(request: AuthedRequest, pk: int) -> Request:
    found = get_object_or_404(Request.objects.select_related(
        "organization", "applicant", "item"), pk=pk)
    user, org = request.user, found.organization
    if not (found.applicant_id == user.pk or has_org_perm(user, "publish", org)
            or has_org_perm(user, "review", org.parent_id) or supervises(user, org)):
        raise Http404
    return found


@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _request_for(request, pk)
    may_answer = (found.state == Request.State.SUBMITTED
                  and has_org_perm(request.user, "publish", found.organization))
    form = AnswerForm(request.POST or None, organization=found.organization)
    if request.method == "POST":
        if not may_answer:
            raise Http404
        if form.is_valid():
            try:
                filings.request_answer(request_id=found.pk, actor=request.user,
                                       **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            except (TransitionError, PermissionDenied) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Answered and filed with the parent organization."))
                return redirect("disclosure:request_detail", pk=found.pk)
    return render(request, "disclosure/request_detail.html", {
        "req": found, "form": form if may_answer else None,
    })


@login_required
def request_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    rows = Request.objects.filter(
        Q(applicant=user) | Q(organization_id__in=org_ids_with(user, "publish"))
    ).select_related("organization", "applicant").order_by("-submitted_at")
    return render(request, "disclosure/request_list.html", {
        "page": Paginator(rows, 20).get_page(request.GET.get("page")),
        "may_apply": bool(user_organizations(user, "view_internal")),
    })


@login_required
def file_obligation(request: AuthedRequest, pk: int) -> HttpResponse:
    obligation = get_object_or_404(Obligation.objects.select_related("organization", "entry"),
                                   pk=pk)
    if not has_org_perm(request.user, "publish", obligation.organization):
        raise Http404
    form = FilingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            filings.file_non_disclosure(obligation_id=pk, actor=request.user,
                                        reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        except TransitionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Filed with the parent organization."))
            return redirect(f"/workspace/?org={obligation.organization.code}")
    return render(request, "disclosure/filing_form.html", {"form": form, "obligation": obligation})


@login_required
@require_POST
def filing_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    comment = request.POST.get("comment", "")
    action = {"acknowledge": filings.acknowledge_filing,
              "return": filings.return_filing}.get(decision)
    if action is None:
        raise Http404
    try:
        action(filing_id=pk, actor=request.user, comment=comment)
    except (PermissionDenied, filings.Filing.DoesNotExist) as error:
        raise Http404 from error
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("disclosure:review_inbox")
