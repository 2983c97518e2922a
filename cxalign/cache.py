"""The Redis cache, forgiving: a cache that is down is a cache miss, never a 500.

Everything cxalign caches can be recomputed (list counts, throttle histories, the rollup
refresh lock), so while Redis is unreachable reads fall through to the database and writes
are dropped, with one log line per failure. Django's own ``RedisCache`` raises instead.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache
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


class ForgivingRedisCache(RedisCache):
    """``RedisCache`` whose failures are misses (reads) and no-ops (writes)."""

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
