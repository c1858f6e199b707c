from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_permissions(sender, **kwargs) -> None:
    """Bring role groups made before a role's permissions changed up to date."""
    from .roles import sync_role_permissions

    sync_role_permissions()


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Organizations and people")

    def ready(self) -> None:
        from . import grants, middleware, permissions, ratelimit, signals  # noqa: F401

        permissions.register_core()
        from . import pagecache

        pagecache.connect()
        grants.register()
        post_migrate.connect(_sync_role_permissions, sender=self,
                             dispatch_uid="portal_sync_role_permissions")
