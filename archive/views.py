"""The archive register, record pages, exports and the archive action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disclosure import selectors as item_selectors
from disclosure.models import Review
from portal.downloads import protected_download
from portal.http import AuthedRequest, attempt
from portal.pagination import paginate
from portal.routing import Routes
from portal.spreadsheets import spreadsheet_response

from . import exports, permissions, selectors, services
from .forms import RegisterFilterForm

routes = Routes()


def _register(request: AuthedRequest):
    form = RegisterFilterForm(request.GET or None)
    records = permissions.visible_records(request.user)
    if form.is_valid():
        records = selectors.filter_register(records, form.cleaned_data)
    else:
        records = records.select_related("organization", "item", "report")
    return form, records


@routes("archive/")
@login_required
def register(request: AuthedRequest) -> HttpResponse:
    form, records = _register(request)
    page = paginate(request, records, 30)
    return render(request, "archive/register.html", {"form": form, "page": page})


@routes("archive/export.<register_format:fmt>")
@login_required
def register_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    form, records = _register(request)
    if fmt == "csv":
        body = exports.register_csv(records)
    elif fmt == "xlsx":
        body = exports.register_xlsx(records)
    elif fmt == "zip":
        if not (form.is_valid() and form.cleaned_data["organization"]
                and form.cleaned_data["year"]):
            messages.error(request, _("Choose an organization and a year for the ZIP export."))
            return redirect("archive:register")
        body = exports.register_zip(
            records, with_trail=selectors.records_with_trail(request.user, records))
    else:
        raise Http404
    return spreadsheet_response(body, "archive-register", fmt)


@routes("archive/<str:number>/")
@login_required
def record_detail(request: AuthedRequest, number: str) -> HttpResponse:
    record = selectors.record_for_user(request.user, number)
    labels = dict(Review.Action.choices)
    trail = [{**r, "label": labels.get(r["action"], r["action"]),
              "when": parse_datetime(r["at"])} for r in record.snapshot.get("reviews", [])
             ] if selectors.reads_trail(request.user, record) else []
    return render(request, "archive/record_detail.html", {
        "record": record, "files": list(record.files.all()), "trail": trail,
    })


@routes("archive/files/<int:pk>/")
@login_required
def file_download(request: AuthedRequest, pk: int) -> FileResponse:
    return protected_download(selectors.file_for_user(request.user, pk))


@routes("items/<int:pk>/archive/")
@login_required
@require_POST
def archive_item(request: AuthedRequest, pk: int) -> HttpResponse:
    item = item_selectors.item_for_user(request.user, pk)
    archived = attempt(request, lambda: services.archive_item(item_id=item.pk,
                                                              actor=request.user))
    if not archived.ok:
        return redirect("disclosure:item_detail", pk=item.pk)
    number = archived.value.archive_number
    messages.success(request, _("Archived as %(number)s.") % {"number": number})
    return redirect("archive:record_detail", number=number)
