"""The database cache (settings.CACHES without REDIS_URL), with an `incr` that is atomic.

Django's DatabaseCache counts with its generic `incr`: read the value, add, write it back.
Two server processes counting the same key at once then lose counts (two processes
counting 150 attempts each stored about 220, fupin/core/tests/test_cache_shared.py), and
the write-back gives the key a fresh default timeout, so a rate limit's window
(fupin.core.abuse) moved on with every attempt. Here the key's row is locked for the
read and the write (SELECT … FOR UPDATE on PostgreSQL; on SQLite the transaction takes
the write lock when it begins, settings' `transaction_mode` IMMEDIATE), and only the
value is written: the key keeps its expiry, as Redis's INCR does.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self.cache_model_class._meta.db_table)
        cache_key = self.make_and_validate_key(key, version=version)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # Only quoted names are put into the SQL text; the key and value are parameters.
        select = f"SELECT {quote('cache_key')} FROM {table} WHERE {quote('cache_key')} = %s"  # noqa: S608
        update = f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s"  # noqa: S608
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(select + lock, [cache_key])
            value = self.get(key, self._missing_key, version=version)
            if value is self._missing_key:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(update, [encoded, cache_key])
        return value
