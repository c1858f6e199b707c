"""The to-do page (待办) and the landing after signing in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from . import todo
from .http import AuthedRequest
from .routing import Routes

routes = Routes()


@routes("todo/", name="todo")
@login_required
def todo_list(request: AuthedRequest) -> HttpResponse:
    groups = todo.groups(request.user)
    return render(request, "portal/todo.html", {
        "groups": groups, "total": sum(group.count for group in groups)})


@routes("start/", name="workplace")
@login_required
def workplace(request: AuthedRequest) -> HttpResponse:
    """Where signing in leads when no ``next`` was asked for (``LOGIN_REDIRECT_URL``)."""
    return redirect(todo.workplace_url(request.user))
