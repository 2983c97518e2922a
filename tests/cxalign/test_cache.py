"""A cache that is down is a miss, never an error (cxalign.cache.ForgivingRedisCache)."""

import os

import pytest
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from cxalign.cache import ForgivingRedisCache
from tests.conftest import free_port


def test_a_dead_redis_is_a_miss_and_writes_are_dropped():
    location = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    cache = ForgivingRedisCache(location, {})
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("lock", 1) is False  # a lock that could not be taken
    cache.set("k", 1)
    cache.set_many({"a": 1})
    cache.delete("k")
    assert cache.has_key("k") is False


def test_djangos_own_backend_would_have_raised():
    location = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(RedisError):
        RedisCache(location, {}).get("k")


def test_one_redis_client_per_pool_serves_every_operation():
    """Django builds a ``redis.Redis`` per operation; ours keeps one per connection pool, and
    it still reads what it wrote (and a dead server stays a miss, above)."""
    location = f"redis://127.0.0.1:{free_port()}/0"
    client = ForgivingRedisCache(location, {})._cache
    assert client.get_client() is client.get_client(write=True)
    assert client.get_client().connection_pool is client._get_connection_pool(False)


def test_reused_client_round_trips_a_value():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("no Redis configured (REDIS_URL)")
    cache = ForgivingRedisCache(url, {"KEY_PREFIX": "test-reused-client"})
    cache.set("k", {"v": 1}, 30)
    assert cache.get("k") == {"v": 1}
    assert cache.get("missing", "fallback") == "fallback"
    cache.delete("k")
    assert cache.get("k") is None
