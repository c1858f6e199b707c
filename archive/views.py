"""The archive register, record pages, exports and the archive action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from disclosure import selectors as item_selectors
from disclosure.models import Review
from portal import workflow
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
@require_http_methods(["GET", "POST"])
def archive_item(request: AuthedRequest, pk: int) -> HttpResponse:
    """Archive an item after a confirmation saying what archiving does; a post without the
    confirmation shows the confirmation and archives nothing."""
    item = item_selectors.item_for_action(request.user, pk, "archive")
    try:
        workflow.check(item, "archive", request.user)
    except workflow.TransitionError as error:
        messages.error(request, str(error))
        return redirect("disclosure:item_detail", pk=item.pk)
    if request.POST.get("confirm") != "yes":
        return render(request, "disclosure/confirm.html", _archive_confirmation(item))
    archived = attempt(request, lambda: services.archive_item(item_id=item.pk,
                                                              actor=request.user))
    if not archived.ok:
        return redirect("disclosure:item_detail", pk=item.pk)
    number = archived.value.archive_number
    messages.success(request, _("Archived as %(number)s. The item stays readable at its "
                                "address by everyone it had reached; its record is in the "
                                "archive register.") % {"number": number})
    return redirect("archive:record_detail", number=number)


def _archive_confirmation(item) -> dict:
    year, category = services.number_parts(item)
    pattern = f"{item.organization.code}-{year}-{category}-…"
    no_longer = []
    if item.allows("request_change"):
        no_longer.append(_("Change, withdraw or terminate it by a change request."))
    if item.takes_feedback:
        no_longer.append(_("Give feedback on it or raise objections."))
    if item.allows("release_public"):
        no_longer.append(_("Release it beyond the party (a planned release does not take "
                           "place)."))
    return {
        "heading": _("Archive “%(title)s”?") % {"title": item.title},
        "happens": [
            _("The item goes to the tamper-evident archive under an archive number (档号) "
              "%(pattern)s, the next in its series; its text, attachments and review trail "
              "are frozen in the record.") % {"pattern": pattern},
            _("It stays readable at its address by everyone it has reached, marked as a past "
              "disclosure with its archive number."),
        ],
        "no_longer": no_longer,
        "final": _("Archiving cannot be undone: the record and its number stay for good."),
        "button": _("Archive"),
        "action_url": reverse("archive:archive_item", args=[item.pk]),
        "back_url": item.get_absolute_url(), "back_label": item.title,
    }
