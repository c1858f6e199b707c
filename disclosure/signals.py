"""Keep each item's search vector in step with its title, body and attachment names, and
the cached counts of the lists in step with what the lists hold."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import search, selectors
from .models import Attachment, DisclosureItem, State

INDEXED_FIELDS = {"title", "body"}


@receiver(post_save, sender=DisclosureItem)
def item_saved(sender, instance: DisclosureItem, created: bool, update_fields=None,
               **kwargs) -> None:
    if created or update_fields is None or INDEXED_FIELDS & set(update_fields):
        search.reindex(instance.pk)
    if _may_change_lists(instance, created, update_fields):
        selectors.publication_changed()


UNLISTED_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED)


def _may_change_lists(item: DisclosureItem, created: bool, update_fields) -> bool:
    """Whether the save may have moved the item into or out of a list, or between counts.
    An item before its release is in no list, and none goes back there: writing a draft,
    its audiences included, submitting, returning and approving change no list."""
    if item.state in UNLISTED_STATES:
        return False
    return created or update_fields is None or bool(selectors.LISTED_FIELDS & set(update_fields))


@receiver(post_delete, sender=DisclosureItem)
def item_deleted(sender, instance: DisclosureItem, **kwargs) -> None:
    if instance.state not in UNLISTED_STATES:
        selectors.publication_changed()


@receiver(post_save, sender=Attachment)
@receiver(post_delete, sender=Attachment)
def attachment_changed(sender, instance: Attachment, **kwargs) -> None:
    search.reindex(instance.item_id)
