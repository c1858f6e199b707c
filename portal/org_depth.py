"""How deep the organization tree may grow.

An organization's materialized path holds one seven-character segment ("000042/") per
level in a column of 255 characters, so a tree deeper than 36 levels cannot be stored (on
PostgreSQL the save fails with a database error). Real trees are far shallower (党委 →
党总支 → 党支部, a few levels more in large systems); ``ORGANIZATION_MAX_LEVELS`` in the
settings (30 by default) sets the limit the import and the staff admin enforce, never above
what the path can hold.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

PATH_LENGTH = 255  # Organization.path's max_length
SEGMENT = len("000000/")
DEFAULT_MAX_LEVELS = 30


def max_levels() -> int:
    """The most levels a tree may have (a top-level organization is level 1)."""
    wanted = int(getattr(settings, "ORGANIZATION_MAX_LEVELS", DEFAULT_MAX_LEVELS))
    return max(1, min(wanted, PATH_LENGTH // SEGMENT))


def too_deep_message(name: str, levels: int) -> str:
    return _("%(name)s would sit at level %(level)s of the organization tree; at most "
             "%(limit)s levels are allowed.") % {"name": name, "level": levels,
                                                 "limit": max_levels()}
