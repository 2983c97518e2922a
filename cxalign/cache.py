"""The Redis cache, forgiving: a cache that is down is a cache miss, never a 500.

Everything cxalign caches can be recomputed (list counts, throttle histories, the rollup
refresh lock), so while Redis is unreachable reads fall through to the database and writes
are dropped, with one log line per failure. Django's own ``RedisCache`` raises instead.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _forgiving(fallback: Callable[..., Any]) -> Callable:
    """Run the cache operation; on a Redis error log it and return ``fallback(*args)``."""

    def decorate(method: Callable) -> Callable:
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as error:
                logger.warning(
                    "cache %s failed, carrying on without it: %s", method.__name__, error
                )
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every cache operation (``get_client``), and
    redis-py's constructor copies its table of some 200 response callbacks each time: 0.1 ms
    an operation, six operations on an API list request (its count, the two throttles' reads
    and writes). A ``redis.Redis`` is safe to share between threads (it takes a connection
    from its pool per command), and the pools stay Django's, one per server and process.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's server choice
        client = self._clients.get(id(pool))
        if client is None:
            new = self._client(connection_pool=pool)  # type: ignore[attr-defined]  # redis.Redis
            client = self._clients.setdefault(id(pool), new)
        return client


class ForgivingRedisCache(RedisCache):
    """``RedisCache`` whose failures are misses (reads) and no-ops (writes), with one Redis
    client per connection pool (``ReusedClientRedisCacheClient``)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    get = _forgiving(_default)(RedisCache.get)
    get_many = _forgiving(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _forgiving(lambda *a, **k: False)(RedisCache.has_key)
    # Not added: a lock taken while Redis is down is a lock not taken.
    add = _forgiving(lambda *a, **k: False)(RedisCache.add)
    set = _forgiving(lambda *a, **k: None)(RedisCache.set)
    set_many = _forgiving(lambda *a, **k: [])(RedisCache.set_many)
    touch = _forgiving(lambda *a, **k: False)(RedisCache.touch)
    delete = _forgiving(lambda *a, **k: False)(RedisCache.delete)
    delete_many = _forgiving(lambda *a, **k: None)(RedisCache.delete_many)
