"""Sessions read from the shared cache and written through to the database, that keep
working when the cache does not answer (Django's ``cached_db`` saves without it, but a
read or a new session's key check would fail the request)."""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db, db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except Exception:  # noqa: BLE001 - the cache is down: the database has the session
            logger.warning("cache unavailable while reading a session", exc_info=True)
            return db.SessionStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except Exception:  # noqa: BLE001
            logger.warning("cache unavailable while checking a session key", exc_info=True)
            return db.SessionStore.exists(self, session_key)

    def delete(self, session_key=None):
        # The cached copy goes first, and a cache that does not answer fails the request
        # (a logout refused, to be tried again): were the database row deleted alone, the
        # cached copy would keep the session alive once the cache answers again.
        key = session_key or self.session_key
        if key is not None:
            self._cache.delete(self.cache_key_prefix + key)
        db.SessionStore.delete(self, session_key)
