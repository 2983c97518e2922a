"""Matching by meaning at scale, standalone (no database): `python bench/embeddings.py`.

Prints the time to embed 1,000 texts with the shipped model (one process, one thread, as a
Celery worker embeds) and the p95 of one similarity query over 50,000 stored vectors: the
query's own embedding, then the brute-force cosine over the float32 matrix and the top 50
(``reviews.embeddings.top_cosine``, what a search runs once the matrix is in memory). The
target for the query is at most 50 ms.
"""

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviews import embeddings

# reviews.similarity.SHORTLIST: the candidates a search scores on their facets afterwards.
SHORTLIST = 50

SUBJECTS = ["invoice", "parcel", "refund", "password", "contract", "price", "app", "support line"]
PROBLEMS = [
    "arrives late",
    "shows a fee nobody mentioned",
    "is impossible to understand",
    "never comes",
    "changed without notice",
    "crashes at checkout",
    "keeps them waiting",
]


def _texts(count: int, rng: random.Random) -> list[str]:
    return [
        f"Customers say the {rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)} (case {n})"
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--vectors", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if not embeddings.available():
        sys.exit("The embeddings extra is not installed: pip install '.[embeddings]'")
    rng = random.Random(13)

    started = time.perf_counter()
    embeddings.encoder()
    load = time.perf_counter() - started

    texts = _texts(args.texts, rng)
    started = time.perf_counter()
    embeddings.encode(texts)
    embed = time.perf_counter() - started

    # Stored vectors: random unit vectors (the search's cost does not depend on their content).
    matrix = embeddings.normalise(
        np.random.default_rng(13).standard_normal(
            (args.vectors, embeddings.DIMENSIONS), dtype=np.float32
        )
    )
    ids = np.arange(args.vectors, dtype=np.int64)
    queries = _texts(args.queries, rng)
    cosine, total = [], []
    for query in queries:
        started = time.perf_counter()
        vector = embeddings.encode([query])[0]
        middle = time.perf_counter()
        embeddings.top_cosine(vector, ids, matrix, limit=SHORTLIST, minimum=-1.0)
        done = time.perf_counter()
        cosine.append((done - middle) * 1000)
        total.append((done - started) * 1000)

    print(f"model load:                          {load * 1000:8.0f} ms")
    print(
        f"embed {args.texts:,} texts:                  {embed:8.2f} s "
        f"({embed / args.texts * 1000:.1f} ms a text)"
    )
    print(
        f"query over {args.vectors:,} vectors, p95:   {np.percentile(total, 95):8.1f} ms "
        f"(embedding the query + cosine + top {SHORTLIST}); p50 {np.percentile(total, 50):.1f} ms"
    )
    print(f"  of which cosine + top {SHORTLIST}, p95:      {np.percentile(cosine, 95):8.1f} ms")
    print(f"target ≤ 50 ms: {'met' if np.percentile(total, 95) <= 50 else 'MISSED'}")


if __name__ == "__main__":
    main()
