from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Disclosure catalog")

    def ready(self) -> None:
        from portal import permissions

        from .models import Catalog, CatalogEntry

        permissions.internal(Catalog, "catalogs are kept in the staff admin")
        permissions.internal(CatalogEntry, "entries show only through the items and "
                                           "obligations made from them")
