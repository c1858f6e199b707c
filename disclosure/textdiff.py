"""The differences between two versions of an item's text, marked in the rendered text.

Both versions are rendered with the item page's sanitised Markdown (:func:`render_body`), then
compared token by token: each Chinese character is a token, as is each Latin word, number,
space or punctuation mark, so a changed character in a sentence with no spaces is marked on
its own. Tags are tokens too and are never wrapped: each side keeps its own markup, and the
words that only it has are wrapped in ``<del>`` (the old side) or ``<ins>`` (the new side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .text import render_body

_TAG = r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
_TOKEN = re.compile(
    _TAG + r"|&#?\w+;|[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]|\w+|\s+|.",
    re.DOTALL,
)


@dataclass(frozen=True)
class Sides:
    """The old and the new text, each with what only it has marked."""

    old: SafeString
    new: SafeString
    changed: bool


def _tokens(html: str) -> list[str]:
    return _TOKEN.findall(html)


def _is_tag(token: str) -> bool:
    return token.startswith("<")


def _mark(tokens: list[str], tag: str) -> str:
    """Wrap the runs of text among ``tokens`` in ``tag``, leaving tags and blank runs bare."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        out.append(f"<{tag}>{text}</{tag}>" if text.strip() else text)
        run.clear()

    for token in tokens:
        if _is_tag(token):
            flush()
            out.append(token)
        else:
            run.append(token)
    flush()
    return "".join(out)


def mark_html(old_html: str, new_html: str) -> Sides:
    """Return both (already safe) HTML texts with their differences marked."""
    old, new = _tokens(old_html), _tokens(new_html)
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append("".join(old[i1:i2]))
            right.append("".join(new[j1:j2]))
            continue
        left.append(_mark(old[i1:i2], "del"))
        right.append(_mark(new[j1:j2], "ins"))
    changed = any(op != "equal" for op, *_ in matcher.get_opcodes())
    # Both sides are the sanitised renderings with <del>/<ins> put around their own text.
    return Sides(mark_safe("".join(left)), mark_safe("".join(right)), changed)  # noqa: S308


def body_sides(old_body: str, new_body: str) -> Sides:
    """Return the two Markdown bodies rendered as on the item page, differences marked."""
    return mark_html(render_body(old_body), render_body(new_body))


def title_sides(old_title: str, new_title: str) -> Sides:
    """Return the two plain-text titles, escaped, differences marked."""
    return mark_html(str(escape(old_title)), str(escape(new_title)))


@dataclass(frozen=True)
class Compared:
    """A change request's text as it was when requested beside the text it proposes."""

    title: Sides
    body: Sides
    recorded: bool  # False: the text when requested was not kept (an old request)


def change_sides(change) -> Compared:
    """Return the comparison shown on a change request's page: the snapshot taken when it
    was requested (for a request made before snapshots were kept and still pending, the
    item as it stands, which nothing has changed since), against the proposed text. A
    withdrawal or termination proposes no text: its old side is shown unmarked."""
    title, body = change.old_title, change.old_body
    recorded = bool(title)
    if not recorded and change.state == change.State.SUBMITTED:
        title, body, recorded = change.item.title, change.item.body, True
    if change.kind != change.Kind.CHANGE:
        new_title, new_body = title, body
    else:
        new_title, new_body = change.new_title, change.new_body
    if not recorded:  # nothing to compare with: the proposal is shown unmarked
        title, body = new_title, new_body
    return Compared(title_sides(title, new_title), body_sides(body, new_body), recorded)
