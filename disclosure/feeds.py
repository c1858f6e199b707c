"""Atom feeds of public items: the whole portal, one organization (with or without its
subtree) and one category. Feeds read ``public_items()`` only, whoever asks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from catalog.models import Category
from portal.models import Organization
from portal.pagecache import public_page
from portal.routing import Routes

from .models import ChangeRequest, DisclosureItem
from .visibility import public_items

FEED_SIZE = 50


class PublicItemsFeed(Feed):
    feed_type = Atom1Feed

    def title(self, obj=None) -> str:
        return _("%(portal)s: latest public disclosures") % {"portal": settings.PORTAL_NAME}

    def link(self, obj=None) -> str:
        return reverse("disclosure:item_list")

    def subtitle(self, obj=None) -> str:
        return _("Items published to the public, newest first.")

    def items(self, obj=None):
        """The newest entries by their last update (publication, or an approved change
        since). They are among the newest by publication and the latest changed: ordering
        those few, not every public item (a million), keeps the feed one indexed query."""
        scope = self.select(public_items(), obj)
        approved = Q(change_requests__state=ChangeRequest.State.APPROVED)
        newest = scope.order_by("-public_at", "-pk").values("pk")[:FEED_SIZE]
        changed = (scope.filter(approved).values("pk")
                   .annotate(last=Max("change_requests__decided_at"))
                   .order_by("-last").values("pk")[:FEED_SIZE])
        items = DisclosureItem.objects.filter(pk__in=newest.union(changed)).annotate(
            changed_at=Max("change_requests__decided_at", filter=approved),
            feed_updated=Greatest("public_at", Coalesce("changed_at", "public_at")))
        return items.order_by("-feed_updated", "-pk").select_related(
            "organization")[:FEED_SIZE]

    def select(self, items, obj):
        """The public items this feed is about (all of them here)."""
        return items

    def item_title(self, item: DisclosureItem) -> str:
        if is_updated(item):
            return _("%(title)s (updated)") % {"title": item.title}
        return item.title

    def item_description(self, item: DisclosureItem) -> str:
        return item.body_html

    def item_link(self, item: DisclosureItem) -> str:
        return reverse("disclosure:item_detail", args=[item.pk])

    def item_pubdate(self, item: DisclosureItem):
        return item.public_at

    def item_updateddate(self, item: DisclosureItem):
        return item.feed_updated  # type: ignore[attr-defined]

    def item_author_name(self, item: DisclosureItem) -> str:
        return item.organization.name

    def item_categories(self, item: DisclosureItem) -> list[str]:
        return [str(item.get_category_display())]


def is_updated(item: DisclosureItem) -> bool:
    """Return whether a change was approved after the item reached the public."""
    changed = getattr(item, "changed_at", None)
    return bool(changed and item.public_at and changed > item.public_at)


class OrganizationFeed(PublicItemsFeed):
    def get_object(self, request, code: str, subtree: bool = False):
        org = get_object_or_404(Organization, code=code, is_active=True)
        org.feed_subtree = subtree  # type: ignore[attr-defined]
        return org

    def title(self, obj=None) -> str:
        if obj.feed_subtree:
            return _("%(org)s and its subordinate organizations: public disclosures") % {
                "org": obj.name}
        return _("%(org)s: public disclosures") % {"org": obj.name}

    def link(self, obj=None) -> str:
        return reverse("organization_detail", args=[obj.code])

    def select(self, items, obj):
        if obj.feed_subtree:
            items = items.filter(organization__path__startswith=obj.path)
        else:
            items = items.filter(organization=obj)
        return super().select(items, obj)


class CategoryFeed(PublicItemsFeed):
    def get_object(self, request, category: str):
        if category not in Category.values:
            raise Http404
        return category

    def title(self, obj=None) -> str:
        return _("%(category)s: public disclosures") % {"category": Category(obj).label}

    def link(self, obj=None) -> str:
        return reverse("disclosure:item_list") + f"?category={obj}"

    def select(self, items, obj):
        return super().select(items.filter(category=obj), obj)


routes = Routes()
routes("feeds/items.atom", name="feed_all")(public_page(PublicItemsFeed()))
routes("feeds/orgs/<str:code>.atom", name="feed_org")(public_page(OrganizationFeed()))
routes("feeds/orgs/<str:code>/subtree.atom", name="feed_org_subtree",
       subtree=True)(public_page(OrganizationFeed()))
routes("feeds/categories/<slug:category>.atom",
       name="feed_category")(public_page(CategoryFeed()))
