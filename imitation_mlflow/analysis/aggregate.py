"""Aggregate metrics with stratified-bootstrap confidence intervals (rliable), seeded."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import numpy as np

CONFIDENCE = 0.95


@contextlib.contextmanager
def seeded_bootstrap(seed: int) -> Iterator[None]:
    """Make rliable's bootstraps reproducible: ``seed`` numpy's global state, then restore it.

    rliable's stratified bootstrap draws run indices from ``np.random`` regardless of its
    ``random_state`` argument (the published CIs were unseeded for this reason).
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():
            # rliable hands arch a RandomState, which arch flags as deprecated.
            warnings.filterwarnings("ignore", category=FutureWarning, module="arch")
            yield
    finally:
        np.random.set_state(state)


def iqm(scores: np.ndarray) -> float:
    """Interquartile mean of all entries of ``scores`` ``(num_runs, num_tasks)``."""
    from rliable import metrics

    return float(metrics.aggregate_iqm(scores))


def aggregate_estimates(
    matrices: dict[str, np.ndarray], *, reps: int, seed: int
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Mean and IQM with 95% stratified-bootstrap CIs for each algorithm.

    Args:
        matrices: algorithm -> ``(num_runs, num_tasks)`` normalized scores.
        reps: bootstrap repetitions.
        seed: seeds the bootstrap, so the same input gives the same intervals.

    Returns:
        algorithm -> {"mean": (point, low, high), "iqm": (point, low, high)}.
    """
    from rliable import library as rly  # imported on use: it costs ~1.5 s to import
    from rliable import metrics

    def both(scores: np.ndarray) -> np.ndarray:
        return np.array([metrics.aggregate_mean(scores), metrics.aggregate_iqm(scores)])

    usable = {algo: m for algo, m in matrices.items() if m.size}
    if not usable:
        return {}
    with seeded_bootstrap(seed):
        points, intervals = rly.get_interval_estimates(
            usable,
            both,
            reps=reps,
            confidence_interval_size=CONFIDENCE,
            random_state=np.random.RandomState(seed),
        )
    return {
        algo: {
            name: (
                float(points[algo][i]),
                float(intervals[algo][0, i]),
                float(intervals[algo][1, i]),
            )
            for i, name in enumerate(("mean", "iqm"))
        }
        for algo in usable
    }


def probability_of_improvement(
    scores_x: np.ndarray, scores_y: np.ndarray, *, reps: int, seed: int
) -> tuple[float, float, float]:
    """P(X > Y) with its 95% stratified-bootstrap CI.

    Args:
        scores_x: ``(num_runs_x, num_tasks)`` scores of the new algorithm X.
        scores_y: ``(num_runs_y, num_tasks)`` scores of the baseline Y, same tasks.
        reps: bootstrap repetitions.
        seed: seeds the bootstrap.

    Returns:
        (point, low, high): the probability that a run of X beats a run of Y on a task
        chosen uniformly at random (ties count one half).
    """
    from rliable import library as rly
    from rliable import metrics

    with seeded_bootstrap(seed):
        points, intervals = rly.get_interval_estimates(
            {"x,y": (scores_x, scores_y)},
            metrics.probability_of_improvement,
            reps=reps,
            confidence_interval_size=CONFIDENCE,
            random_state=np.random.RandomState(seed),
        )
    low, high = np.ravel(intervals["x,y"])
    return float(np.ravel(points["x,y"])[0]), float(low), float(high)
