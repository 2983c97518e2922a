"""Generations: a cache key that a signal replaces whenever the rows behind a cached value
change, so that everything cached under the old one is never read again.

A generation is a random token per database in the shared cache. Readers put
``current(name)`` into their keys; a receiver connected to ``post_save`` and ``post_delete``
calls ``replace(name)``. A lost generation (cache flushed or evicted) is replaced by a new
random one, so entries cached under the old one are never read again either. Writes that
bypass ``save()`` and ``delete()`` (``QuerySet.update``, raw SQL) do not move it: the caches
built on a generation say what else their keys hold and how long their entries live.
"""

import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

KEY = "cxalign:{name}:generation:{database}"


def database() -> str:
    """The default database's name: caches shared by several databases keep them apart."""
    return str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])


def current(name: str) -> str:
    """The generation ``name`` now (a new one if the cache has none)."""
    key = KEY.format(name=name, database=database())
    generation = cache.get(key)
    if generation is None:
        cache.add(key, uuid.uuid4().hex, None)
        generation = cache.get(key) or "uncached"
    return generation


def replace(name: str) -> None:
    """A new generation ``name``: what was cached under the old one is never read again."""
    cache.set(KEY.format(name=name, database=database()), uuid.uuid4().hex, None)
