"""The organization directory as a tree: every level, with counts that include the
organizations below, flattened into rows and written as nested lists in one pass.

The counts are per organization (``{organization id: n}``, counted by the caller for the
reader); the materialized path names every ancestor of an organization, so adding each
count to the organizations on its path gives every subtree's total without a query per
organization.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple
from urllib.parse import quote

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Organization

OPEN_LEVELS = 1  # levels shown unfolded when nothing is searched for


class Node(NamedTuple):
    """The columns of an organization the tree shows (lighter than a model instance, of
    which a city has thousands)."""

    pk: int
    code: str
    name: str
    level: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    is_active: bool


def load_nodes() -> list[Node]:
    """Return every organization, active or not, in tree order (one query)."""
    return [Node(*row) for row in Organization.objects.order_by("path").values_list(
        *Node._fields)]


@dataclass
class Row:
    """One organization of the tree, with what the template needs to nest it."""

    org: Node
    total: int = 0  # items of the organization and every organization below it
    children: int = 0  # organizations directly below, shown in the tree
    has_rows_below: bool = False  # the next rows are inside this one's <details>
    is_open: bool = False
    matched: bool = False
    closes: range = field(default_factory=lambda: range(0))  # containers closed after it


def path_ids(path: str) -> list[int]:
    """Return the ids of the organizations on ``path``, the top one first."""
    return [int(segment) for segment in path.split("/") if segment]


def subtree_totals(orgs: list[Node], counts: dict[int, int]) -> dict[int, int]:
    """Return {organization id: sum of ``counts`` over it and every organization below}."""
    totals: dict[int, int] = {}
    for org in orgs:
        n = counts.get(org.pk, 0)
        if n:
            for pk in path_ids(org.path):
                totals[pk] = totals.get(pk, 0) + n
    return totals


def matches(org: Node, query: str) -> bool:
    return query.casefold() in org.name.casefold() or query.casefold() == org.code.casefold()


def tree_rows(orgs: list[Node], counts: dict[int, int], query: str = "",
              limit: int = 200) -> list[Row]:
    """Return the active organizations of ``orgs`` (ordered by path) as tree rows: all of
    them, or those matching ``query`` (at most ``limit``) with their ancestors, unfolded."""
    totals = subtree_totals(orgs, counts)
    active = {org.pk: org for org in orgs if org.is_active}
    shown = _shown(active, query, limit)
    rows = [Row(org=org, total=totals.get(org.pk, 0), matched=bool(query) and matches(
        org, query)) for org in active.values() if org.pk in shown]
    by_id = {row.org.pk: row for row in rows}
    for row in rows:
        if row.org.parent_id is not None and (parent := by_id.get(row.org.parent_id)):
            parent.children += 1
    _nest(rows, unfold_all=bool(query))
    return rows


def _shown(active: dict[int, Node], query: str, limit: int) -> set[int]:
    """Return the ids to show: organizations whose every ancestor is active, or when
    searching, the matches and their ancestors."""
    shown: set[int] = set()
    found = 0
    for org in active.values():
        line = path_ids(org.path)
        if not all(pk in active for pk in line):
            continue
        if not query:
            shown.add(org.pk)
        elif found < limit and matches(org, query):
            found += 1
            shown.update(line)
    return shown


def _nest(rows: list[Row], *, unfold_all: bool) -> None:
    """Say for each row whether it opens a container for the rows below it and how many
    containers close after it."""
    open_depths: list[int] = []
    for i, row in enumerate(rows):
        following = rows[i + 1].org.depth if i + 1 < len(rows) else -1
        row.has_rows_below = following > row.org.depth
        if row.has_rows_below:
            row.is_open = unfold_all or row.org.depth < OPEN_LEVELS
            open_depths.append(row.org.depth)
        closed = 0
        while open_depths and open_depths[-1] >= following:
            open_depths.pop()
            closed += 1
        row.closes = range(closed)


def render_rows(rows: list[Row], base_url: str) -> SafeString:
    """Return the rows as nested lists (``<ul>``, a ``<details>`` for each organization
    with others below it), written in one pass of plain string joins: a city's two
    thousand organizations took seconds through a template loop and a tenth of a second
    through ``format_html``. ``base_url`` is the directory's address; an organization's
    page is below it under its code."""
    levels = {value: escape(str(label)) for value, label in Organization.Level.choices}
    kinds = {value: escape(str(label)) for value, label in Organization.Kind.choices}
    below: dict[int, str] = {}
    title = escape(_("Disclosures, including the organizations below"))
    base = escape(base_url)
    out: list[str] = []
    for row in rows:
        org = row.org
        if row.children and row.children not in below:
            below[row.children] = escape(ngettext(
                "%(counter)s organization below", "%(counter)s organizations below",
                row.children) % {"counter": row.children})
        name = escape(org.name)
        if row.matched:
            name = f"<mark>{name}</mark>"
        line = (f'<a href="{base}{escape(quote(org.code, safe=""))}/">{name}</a> '
                f'<span class="muted">{levels.get(org.level, "")} · {kinds.get(org.kind, "")}'
                f'{" · " + below[row.children] if row.children and not row.has_rows_below else ""}'
                f'</span> <span class="count" title="{title}">{row.total}</span>')
        if row.has_rows_below:
            # The link stays outside the <summary>: a control inside a control is neither
            # reachable nor announced properly (WCAG 4.1.2).
            out.append(f'<li>{line}<details{" open" if row.is_open else ""}>'
                       f"<summary>{below[row.children]}</summary><ul>")
        else:
            out.append(f"<li>{line}</li>")
        out.append("</ul></details></li>" * len(row.closes))
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped
