"""The supervisors' page of the admin's changes to their organizations (people, roles,
role grants, catalogs)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from . import admin_log
from .http import AuthedRequest
from .pagination import paginate
from .roles import is_superuser, org_ids_with
from .routing import Routes

routes = Routes()


@routes("supervision/admin-changes/")
@login_required
def admin_changes(request: AuthedRequest) -> HttpResponse:
    if not (is_superuser(request.user) or org_ids_with(request.user, "supervise")):
        raise Http404
    page = paginate(request, admin_log.events_for(request.user), 40)
    page.object_list = list(page.object_list)
    for event in page.object_list:
        event.label = admin_log.label(event)
    return render(request, "portal/admin_changes.html", {"page": page})
