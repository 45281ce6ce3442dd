import pytest

from imitation_mlflow.run.score import ScoreCard


def _stats(mean: float, std: float = 1.0) -> dict[str, float]:
    return {"monitor_return_mean": mean, "monitor_return_std": std, "n_traj": 3}


def test_score_card_by_hand():
    card = ScoreCard(imitation=_stats(60.0, 5.0), expert=_stats(110.0, 2.0), random=_stats(10.0))
    assert card.normalized_score == pytest.approx(0.5)
    assert card.metrics() == {
        "imit_return_mean": 60.0,
        "imit_return_std": 5.0,
        "expert_return_mean": 110.0,
        "expert_return_std": 2.0,
        "random_return_mean": 10.0,
        "normalized_score": pytest.approx(0.5),
    }
    result = card.result()
    assert result["imit_stats"]["n_traj"] == 3 and result["normalized_score"] == pytest.approx(0.5)
    assert set(result) == {"imit_stats", "expert_stats", "random_stats", "normalized_score"}
