"""Routes declared above their views: each views module keeps a :class:`Routes`, and the
app's ``urls.py`` collects them. The fixed words in URLs are converters
(:mod:`portal.urlconverters`), so no route can swallow another whatever their order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.urls import URLPattern, path

from . import urlconverters  # noqa: F401 - registers the word converters routes use

View = TypeVar("View", bound=Callable[..., Any])


class Routes:
    """The URL patterns of one views module."""

    def __init__(self) -> None:
        self.patterns: list[URLPattern] = []

    def __call__(self, route: str, name: str = "", **kwargs: Any) -> Callable[[View], View]:
        """Declare ``route`` for the view below (named after it unless ``name`` is given);
        ``kwargs`` are passed to the view."""

        def add(view: View) -> View:
            self.patterns.append(path(route, view, kwargs or None,
                                      name=name or view.__name__))
            return view

        return add


def collect(*modules) -> list[URLPattern]:
    """Return the routes of the given views modules."""
    return [pattern for module in modules for pattern in module.routes.patterns]
