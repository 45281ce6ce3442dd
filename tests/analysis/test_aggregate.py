import numpy as np
import pytest
from rliable import metrics

from imitation_mlflow.analysis import aggregate_estimates, iqm, probability_of_improvement


def test_iqm_by_hand():
    # 8 scores: the middle 50% are 3, 4, 5, 6 -> IQM 4.5; the mean is 6.125 (outlier 20).
    scores = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [8.0, 20.0]])
    assert iqm(scores) == pytest.approx(4.5)
    assert iqm(scores) == pytest.approx(metrics.aggregate_iqm(scores))


def test_probability_of_improvement_by_hand():
    # Pairs (x, y): 1>0.5, 1<2, 2>0.5, 2=2 (half), 3>0.5, 3>2 -> 4.5 / 6.
    x = np.array([[1.0], [2.0], [3.0]])
    y = np.array([[0.5], [2.0]])
    point, low, high = probability_of_improvement(x, y, reps=500, seed=0)
    assert point == pytest.approx(0.75)
    assert low <= point <= high
    assert point == pytest.approx(metrics.probability_of_improvement(x, y))


def test_probability_of_improvement_averages_tasks():
    # Task 1: X always wins (1.0); task 2: X always loses (0.0) -> 0.5.
    x = np.array([[1.0, 0.0], [1.0, 0.0]])
    y = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert probability_of_improvement(x, y, reps=100, seed=0)[0] == pytest.approx(0.5)


def test_intervals_are_seeded_and_contain_the_point():
    scores = np.random.default_rng(0).random((10, 5))
    first = aggregate_estimates({"a": scores}, reps=300, seed=3)
    assert first == aggregate_estimates({"a": scores}, reps=300, seed=3)
    mean, low, high = first["a"]["mean"]
    assert mean == pytest.approx(scores.mean()) and low < mean < high
    assert first["a"]["iqm"][0] == pytest.approx(metrics.aggregate_iqm(scores))
