"""Which gaps and insights are closest in meaning to a text: one interface, two methods.

``rank(kind, text, facets)`` scores every candidate (gaps that reached customers: not archived,
not prevented; published insights) and returns the best, each with a score from 0 to 1:

- **By meaning** (the ``embeddings`` extra installed): the cosine of the text's vector with each
  stored vector (``TextEmbedding``), brute-forced in NumPy over a float32 matrix held in the
  process (50,000 × 384 is 77 MB and one matrix-vector product), the best then kept to the
  candidates. The matrix follows the table incrementally (``vector_index``).
- **By shared words** (fallback): TF-IDF cosine over the candidates' texts, the same shape of
  answer; ``method()`` says which ran, so pages can say so.

The text score is then combined with the facets the caller gives (themes, journey stage,
touchpoints): 80 % text, 20 % facets shared among those given (none given: the text alone).
"""

import hashlib
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, QuerySet

from gaps.models import Gap
from gaps.models.gaps import GapStatus
from insights.models import Insight, InsightStatus

from . import embeddings
from .embeddings import top_cosine
from .models import EmbeddedKind, MatchMethod, TextEmbedding

TEXT_WEIGHT = 0.8
# Below these text scores a candidate is no match at all (tuned on tests/reviews/paraphrases.json:
# every right answer scores above, and unrelated gaps mostly below).
MIN_MEANING_SCORE = 0.18
MIN_WORDS_SCORE = 0.05
# Candidates scored on facets after the text pass: the text's best this many.
SHORTLIST = 50
# Vectors computed on the spot for rows saved without one (bulk imports, embedding on save
# off): at most this many per search; the rest on later searches or ``manage.py embed_texts``.
FILL_PER_SEARCH = 500


@dataclass(frozen=True)
class Facets:
    """What a review says beside its text: its themes, journey stage and touchpoints."""

    themes: frozenset[int] = frozenset()
    journey_stage: str = ""
    touchpoints: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Ranked:
    object_id: int
    score: float
    text_score: float


# --- Documents: what text stands for each object ----------------------------------------------


def gap_document(title: str, expectation: str, delivery: str) -> str:
    return f"{title}. Customers expect: {expectation} They get: {delivery}"


def insight_document(title: str, finding: str, evidence: str) -> str:
    return f"{title}. {finding} {evidence}"


def review_document(title: str, description: str, affected_customers: str) -> str:
    return f"{title}. {description} {affected_customers}".strip()


def document_of(kind: str, obj) -> str:
    if kind == EmbeddedKind.GAP:
        return gap_document(obj.title, obj.expectation, obj.delivery)
    if kind == EmbeddedKind.INSIGHT:
        return insight_document(obj.title, obj.finding, obj.evidence)
    return review_document(obj.title, obj.description, obj.affected_customers)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


SOURCES: dict[str, type[Gap] | type[Insight]] = {
    EmbeddedKind.GAP: Gap,
    EmbeddedKind.INSIGHT: Insight,
}


def candidates(kind: str) -> QuerySet:
    """What a text is matched against: gaps customers met, and published insights."""
    if kind == EmbeddedKind.GAP:
        return Gap.objects.exclude(status__in=(GapStatus.ARCHIVED, GapStatus.PREVENTED))
    return Insight.objects.filter(status=InsightStatus.PUBLISHED)


def _documents(kind: str, queryset: QuerySet) -> list[tuple[int, str]]:
    """``(id, text)`` of each row, reading only the text columns."""
    if kind == EmbeddedKind.GAP:
        rows = queryset.order_by("pk").values_list("pk", "title", "expectation", "delivery")
        return [(pk, gap_document(*rest)) for pk, *rest in rows]
    rows = queryset.order_by("pk").values_list("pk", "title", "finding", "evidence")
    return [(pk, insight_document(*rest)) for pk, *rest in rows]


# --- Which method ------------------------------------------------------------------------------


def method() -> str:
    """``meaning`` when the model is installed (and not switched off), else ``words``."""
    if getattr(settings, "CXALIGN_MATCH_BY_MEANING", True) and embeddings.available():
        return MatchMethod.MEANING
    return MatchMethod.WORDS


# --- Stored vectors ----------------------------------------------------------------------------


def vectors_store(kind: str, documents: list[tuple[int, str]]) -> int:
    """Compute and store the vectors of ``(id, text)`` pairs whose text changed; returns how
    many were computed. Idempotent: an unchanged text keeps its vector."""
    if not documents:
        return 0
    stored = dict(
        TextEmbedding.objects.filter(
            kind=kind,
            object_id__in=[pk for pk, _ in documents],
            model_name=embeddings.MODEL_NAME,
        ).values_list("object_id", "text_hash")
    )
    todo = [(pk, text) for pk, text in documents if stored.get(pk) != text_hash(text)]
    if not todo:
        return 0
    vectors = embeddings.encode([text for _, text in todo])
    for (pk, text), vector in zip(todo, vectors, strict=True):
        TextEmbedding.objects.update_or_create(
            kind=kind,
            object_id=pk,
            defaults={
                "model_name": embeddings.MODEL_NAME,
                "text_hash": text_hash(text),
                "vector": embeddings.to_bytes(vector),
            },
        )
    return len(todo)


def vectors_fill_missing(kind: str, *, limit: int | None = None) -> int:
    """Store vectors for rows that have none from the current model (rows written in bulk, or
    before the model was installed); returns how many were computed. Every row of the kind
    gets one, candidate or not, so that "is any missing?" is a comparison of two ids."""
    have = TextEmbedding.objects.filter(kind=kind, model_name=embeddings.MODEL_NAME)
    missing = SOURCES[kind].objects.exclude(pk__in=have.values("object_id")).order_by("pk")
    ids = list(
        missing.values_list("pk", flat=True)[:limit]
        if limit
        else missing.values_list("pk", flat=True)
    )
    if not ids:
        return 0
    return vectors_store(kind, _documents(kind, SOURCES[kind].objects.filter(pk__in=ids)))


def _fill_if_new(kind: str) -> None:
    """Rows saved without a task (bulk writes) show as a table id beyond the newest embedded
    one: two index lookups per search, and a fill only then."""
    newest = SOURCES[kind].objects.aggregate(m=Max("pk"))["m"]
    embedded = TextEmbedding.objects.filter(kind=kind).aggregate(m=Max("object_id"))["m"]
    if newest is not None and (embedded is None or newest > embedded):
        vectors_fill_missing(kind, limit=FILL_PER_SEARCH)


@dataclass
class _Index:
    count: int = 0
    last: datetime | None = None
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(
        default_factory=lambda: np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)
    )


_indexes: dict[str, _Index] = {}
_index_lock = threading.Lock()
# An incremental reload also re-reads vectors written this long before the newest one it saw:
# a task's transaction may commit a little after a later-stamped one.
RELOAD_MARGIN = timedelta(minutes=1)


def _vector_rows(kind: str, since: datetime | None = None) -> tuple[np.ndarray, np.ndarray]:
    rows = TextEmbedding.objects.filter(kind=kind, model_name=embeddings.MODEL_NAME)
    if since is not None:
        rows = rows.filter(updated_at__gte=since)
    ids, raw = [], []
    for object_id, vector in rows.values_list("object_id", "vector").iterator(chunk_size=5000):
        ids.append(object_id)
        raw.append(bytes(vector))
    matrix = np.frombuffer(b"".join(raw), dtype="<f4").reshape(len(raw), embeddings.DIMENSIONS)
    return np.array(ids, dtype=np.int64), matrix


def _merged(index: _Index, ids: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``index`` with the re-read rows replaced and the new ones appended (a new matrix:
    another thread may be reading the old one)."""
    position = {int(pk): i for i, pk in enumerate(index.ids)}
    merged = index.matrix.copy()
    new_ids, new_rows = [], []
    for pk, row in zip(ids, matrix, strict=True):
        at = position.get(int(pk))
        if at is None:
            new_ids.append(pk)
            new_rows.append(row)
        else:
            merged[at] = row
    if new_ids:
        merged = np.vstack([merged, np.array(new_rows, dtype=np.float32)])
    return np.concatenate([index.ids, np.array(new_ids, dtype=np.int64)]), merged


def vector_index(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Every stored vector of ``kind`` (ids, and one row each), as of now.

    Checked on each search with one aggregate query (count and newest write, on the
    ``embedding_version`` index); when it moved, only the vectors written since are read and
    merged in, so a new gap costs one row, not the 77 MB of 50,000. A count that does not
    add up (a vector deleted) reloads everything.
    """
    _fill_if_new(kind)
    state = TextEmbedding.objects.filter(kind=kind, model_name=embeddings.MODEL_NAME).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    index = _indexes.get(kind)
    if index is not None and (index.count, index.last) == (state["n"], state["last"]):
        return index.ids, index.matrix
    with _index_lock:
        ids = matrix = None
        if index is not None and index.last is not None and state["n"] >= index.count:
            ids, matrix = _merged(index, *_vector_rows(kind, since=index.last - RELOAD_MARGIN))
        if ids is None or matrix is None or len(ids) != state["n"]:
            ids, matrix = _vector_rows(kind)
        index = _Index(count=len(ids), last=state["last"], ids=ids, matrix=matrix)
        _indexes[kind] = index
    return index.ids, index.matrix


def query_vector(text: str, *, stored: tuple[str, int] | None = None) -> np.ndarray:
    """The vector of ``text``: the one stored for ``stored`` = (kind, id) when it was computed
    from this very text (a review embedded on save), else computed now."""
    if stored is not None:
        kind, object_id = stored
        row = (
            TextEmbedding.objects.filter(
                kind=kind,
                object_id=object_id,
                model_name=embeddings.MODEL_NAME,
                text_hash=text_hash(text),
            )
            .values_list("vector", flat=True)
            .first()
        )
        if row is not None:
            return embeddings.from_bytes(bytes(row))
    return embeddings.encode([text])[0]


def _meaning_scores(
    kind: str, text: str, limit: int, stored: tuple[str, int] | None = None
) -> list[tuple[int, float]]:
    ids, matrix = vector_index(kind)
    query = query_vector(text, stored=stored)
    # Vectors of every row are held; the best few times ``limit`` are then kept to the
    # candidates (gaps customers met, published insights) with one query on their ids.
    best = top_cosine(query, ids, matrix, limit=limit * 4, minimum=MIN_MEANING_SCORE)
    allowed = set(
        candidates(kind).filter(pk__in=[pk for pk, _ in best]).values_list("pk", flat=True)
    )
    return [(pk, score) for pk, score in best if pk in allowed][:limit]


# --- Shared words (TF-IDF), the fallback ------------------------------------------------------

WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    "a an and are as at be but by can do for from get has have in into is it its no not of on "
    "or our so that the their them they then there this to too up was we were what when which "
    "who will with you your customers customer expect they get".split()
)


def words(text: str) -> list[str]:
    """Lower-case words of three letters or more, stop words out, a plural's final s off."""
    return [
        word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word
        for word in WORD.findall(text.lower())
        if len(word) >= 3 and word not in STOP_WORDS
    ]


def tfidf_scores(
    query: str, documents: list[tuple[int, str]], *, limit: int, minimum: float
) -> list[tuple[int, float]]:
    """TF-IDF cosine (sublinear term frequency, smoothed IDF) of ``query`` with each document."""
    bags = [Counter(words(text)) for _, text in documents]
    frequency = Counter(term for bag in bags for term in bag)
    total = len(documents)

    def weights(bag: Counter) -> dict[str, float]:
        vector = {
            term: (1 + math.log(count)) * (math.log((1 + total) / (1 + frequency[term])) + 1)
            for term, count in bag.items()
        }
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {term: w / norm for term, w in vector.items()}

    wanted = weights(Counter(words(query)))
    scored = []
    for (pk, _), bag in zip(documents, bags, strict=True):
        if not wanted.keys() & bag.keys():
            continue
        vector = weights(bag)
        score = sum(w * vector.get(term, 0.0) for term, w in wanted.items())
        if score >= minimum:
            scored.append((pk, score))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]


def _words_scores(kind: str, text: str, limit: int) -> list[tuple[int, float]]:
    documents = _documents(kind, candidates(kind))
    return tfidf_scores(text, documents, limit=limit, minimum=MIN_WORDS_SCORE)


# --- Ranking -----------------------------------------------------------------------------------


def _facets_of(kind: str, ids: list[int]) -> dict[int, Facets]:
    """The shortlisted candidates' facets, in two queries."""
    model = Gap if kind == EmbeddedKind.GAP else Insight
    themes: dict[int, set[int]] = {pk: set() for pk in ids}
    for pk, theme_id in model.themes.through.objects.filter(
        **{f"{model._meta.model_name}_id__in": ids}
    ).values_list(f"{model._meta.model_name}_id", "theme_id"):
        themes[pk].add(theme_id)
    if kind != EmbeddedKind.GAP:
        return {pk: Facets(themes=frozenset(themes[pk])) for pk in ids}
    rows = Gap.objects.filter(pk__in=ids).values_list("pk", "journey_stage", "touchpoint_id")
    return {
        pk: Facets(
            themes=frozenset(themes[pk]),
            journey_stage=stage,
            touchpoints=frozenset([touchpoint]) if touchpoint else frozenset(),
        )
        for pk, stage, touchpoint in rows
    }


def facet_score(wanted: Facets, found: Facets, *, kind: str) -> float | None:
    """Share of the wanted facets the candidate has (0–1); ``None`` when none apply."""
    parts = []
    if wanted.themes:
        parts.append(len(wanted.themes & found.themes) / len(wanted.themes))
    if kind == EmbeddedKind.GAP:
        if wanted.journey_stage:
            parts.append(1.0 if wanted.journey_stage == found.journey_stage else 0.0)
        if wanted.touchpoints:
            parts.append(1.0 if wanted.touchpoints & found.touchpoints else 0.0)
    return sum(parts) / len(parts) if parts else None


def rank(
    kind: str,
    text: str,
    *,
    facets: Facets | None = None,
    limit: int = 10,
    stored: tuple[str, int] | None = None,
) -> list[Ranked]:
    """The candidates of ``kind`` closest to ``text``, best first (see the module docstring).

    ``stored`` = (kind, id) of the object ``text`` is the document of: its stored vector is
    used when it is current, instead of embedding the text again.
    """
    if not text.strip():
        return []
    if method() == MatchMethod.MEANING:
        shortlist = _meaning_scores(kind, text, SHORTLIST, stored)
    else:
        shortlist = _words_scores(kind, text, SHORTLIST)
    if not shortlist:
        return []
    found = _facets_of(kind, [pk for pk, _ in shortlist]) if facets else {}
    ranked = []
    for pk, text_score in shortlist:
        text_score = min(1.0, max(0.0, text_score))
        extra = facet_score(facets, found[pk], kind=kind) if facets and pk in found else None
        score = (
            text_score if extra is None else TEXT_WEIGHT * text_score + (1 - TEXT_WEIGHT) * extra
        )
        ranked.append(Ranked(object_id=pk, score=score, text_score=text_score))
    ranked.sort(key=lambda r: (-r.score, r.object_id))
    return ranked[:limit]
