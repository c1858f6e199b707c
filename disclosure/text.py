"""Safe rich text: Markdown rendered, then cleaned to a small allow-list of tags."""

import hashlib

import markdown
import nh3

from portal.caching import remembered

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "h5",
    "table", "thead", "tbody", "tr", "th", "td", "a", "code", "pre", "hr",
}


def render_body(source: str) -> str:
    """Return sanitized HTML for a Markdown body; raw HTML in the source is dropped.
    The result depends on the source only, so it is cached under the source's digest."""
    key = "body-html:" + hashlib.sha256((source or "").encode("utf-8")).hexdigest()
    return remembered(key, lambda: _render(source), 7 * 24 * 3600)


def _render(source: str) -> str:
    html = markdown.markdown(source or "", extensions=["tables", "sane_lists"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "td": {"align"}, "th": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
