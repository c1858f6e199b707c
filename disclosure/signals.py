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
    if created:  # a new draft is in no list yet (items are created as drafts)
        listed = instance.state != State.DRAFT
    else:
        listed = update_fields is None or bool(selectors.LISTED_FIELDS & set(update_fields))
    if listed:
        selectors.publication_changed()


@receiver(post_delete, sender=DisclosureItem)
def item_deleted(sender, instance: DisclosureItem, **kwargs) -> None:
    selectors.publication_changed()


@receiver(post_save, sender=Attachment)
@receiver(post_delete, sender=Attachment)
def attachment_changed(sender, instance: Attachment, **kwargs) -> None:
    search.reindex(instance.item_id)
