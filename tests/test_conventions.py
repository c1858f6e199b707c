"""Conventions the code keeps so that rules live in one place: templates never compare a
workflow state, and no URL pattern can swallow another's URL."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# `x.state == "..."`, `x.state in ...`, `stage != ...`: a state compared in a template.
STATE_COMPARISON = re.compile(
    r"\b(status|state|stage)\s*(==|!=|\bin\b|\bnot in\b)|"
    r"(==|!=|\bin\b)\s*\w+(\.\w+)*\.(status|state|stage)\b")


def template_lines():
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for tag in re.findall(r"{%\s*(?:if|elif)\b(.*?)%}", line):
                yield path.relative_to(TEMPLATES), number, tag


def test_no_template_compares_a_workflow_state():
    found = [f"{path}:{number}: {tag.strip()}" for path, number, tag in template_lines()
             if STATE_COMPARISON.search(tag)]
    assert not found, "ask the model or available_actions instead:\n" + "\n".join(found)


def test_the_state_pattern_catches_what_it_is_for():
    for tag in ('item.status == "public"', 'feedback.state != "x"', "order.stage in open",
                '"draft" == item.state'):
        assert STATE_COMPARISON.search(tag), tag
    for tag in ('"approve" in actions', "item.is_public", "form.state.value == value"):
        assert not STATE_COMPARISON.search(tag), tag


def flatten(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from flatten(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


SAMPLE = {"int": "7", "str": "B1", "slug": "organization", "path": "a/b"}


def sample_url(route: str) -> str:
    """Fill a route's converters with a sample value (the first word of a word converter)."""
    from django.urls.converters import get_converters

    def fill(match: re.Match) -> str:
        kind = match.group(1)
        if kind in SAMPLE:
            return SAMPLE[kind]
        return sorted(get_converters()[kind].words)[0]

    return re.sub(r"<(\w+):\w+>", fill, route)


def test_no_url_pattern_swallows_another_whatever_the_order():
    from django.urls.resolvers import RoutePattern

    routes = [(route, entry) for route, entry in flatten(get_resolver().url_patterns)
              if isinstance(entry.pattern, RoutePattern) and not route.startswith("admin/")
              and "^" not in route]
    clashes = []
    for route, _entry in routes:
        url = sample_url(route)
        for other, _ in routes:
            if other != route and RoutePattern(other, is_endpoint=True).match(url):
                clashes.append(f"{other} matches {url} (of {route})")
    assert not clashes, "\n".join(clashes)
