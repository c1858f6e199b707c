"""The account behind every signed-in request, read from the shared cache."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from . import caching
from .roles import RIGHTS_SECONDS, rights_of


class CachedModelBackend(ModelBackend):
    """Django's model backend, except that the account a session names is kept in the
    shared cache under the version of its rights, which every save and deletion of the
    account bumps (``portal.signals``): a password changed or an account closed takes
    effect on the next request. With a cache of each process's own (no ``CACHE_URL``),
    every request reads the database as before."""

    def get_user(self, user_id):
        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return None
        return caching.stamped(f"account:{key}", (rights_of(key),),
                               lambda: ModelBackend.get_user(self, key), RIGHTS_SECONDS,
                               shared_only=True)
