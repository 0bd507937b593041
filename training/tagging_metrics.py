"""How well a pre-trained tagger tags: mean average precision over tags (the usual multi-label
score, which neither a threshold nor the tags' frequencies bias)."""

from __future__ import annotations

import numpy as np


def average_precision(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under one tag's precision–recall curve: Σ (Rₙ − Rₙ₋₁)·Pₙ over the distinct
    scores, from the highest down (tied scores form one threshold, as scikit-learn counts them).

    ``scores`` (N,) any real values, higher = more likely; ``positive`` (N,) bool with at least
    one True.
    """
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    if not positive.any():
        raise ValueError("average precision needs at least one positive sample")
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], positive[order]
    true_positives = np.cumsum(hits)
    ends = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]  # last index of each tie
    precision = true_positives[ends] / (ends + 1)
    recall = true_positives[ends] / true_positives[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def mean_average_precision(scores: np.ndarray, targets: np.ndarray) -> float:
    """Mean over tags of ``average_precision``: ``scores`` and ``targets`` are (N, T); a tag is
    positive where its target value is above 0 (slider values count as present). Tags without a
    positive sample have no AP and are left out."""
    scores, targets = np.asarray(scores), np.asarray(targets)
    if scores.shape != targets.shape or scores.ndim != 2:
        raise ValueError(f"expected two (N, T) arrays, got {scores.shape} and {targets.shape}")
    positive = targets > 0
    present = np.flatnonzero(positive.any(axis=0))
    if present.size == 0:
        raise ValueError("no tag has a positive sample: mean average precision is undefined")
    return float(np.mean([average_precision(scores[:, t], positive[:, t]) for t in present]))
