"""Django's database sessions (``SESSION_ENGINE``), the read every request with a session makes
built once per process (core.compiled): the database stays the only place a session lives, so
a sign-out is final in every process at once, Redis up or down (docs/architecture.md,
"Definitions used everywhere")."""

import datetime
import logging

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.utils import timezone

from .compiled import built_once

_KEY = "\0session key"
_NOW = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        # As Django's: the session of this key that has not expired, or none (and no key). On
        # PostgreSQL, whose driver takes the datetime as the ORM gives it; elsewhere Django's.
        if connections[router.db_for_read(self.model)].vendor != "postgresql":
            return super()._get_session_from_db()
        sessions = self.model.objects
        sql = built_once(
            "session",
            self.model,
            # One filter each, so that the parameters come in this order.
            lambda: sessions.filter(session_key=_KEY).filter(expire_date__gt=_NOW),
            stand_ins=(_KEY, _NOW),
        )
        try:
            found = list(sessions.raw(sql, [self.session_key, timezone.now()]))
        except SuspiciousOperation as e:
            logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            found = []
        if found:
            return found[0]
        self._session_key = None
        return None
