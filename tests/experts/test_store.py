"""The local expert store keeps every expert by hash with its return; resolution takes the
strongest recorded one, or the one promoted explicitly."""

from __future__ import annotations

from pathlib import Path

import pytest

from imitation_mlflow.config import ExpertConfig
from imitation_mlflow.errors import UserError
from imitation_mlflow.experts.quality import check_expert_quality
from imitation_mlflow.experts.resolve import ExpertRef, resolve_expert, strongest_known
from imitation_mlflow.experts.shipped import shipped_expert_path
from imitation_mlflow.experts.store import (
    file_sha256,
    keep_expert,
    promote,
    promoted_expert,
    store_expert_path,
)

CARTPOLE = "seals/CartPole-v0"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_store: str) -> Path:
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path / "cache"))
    return tmp_path


def _weak_zip(tmp_path: Path) -> Path:
    """A zip with other bytes than the shipped expert (another hash, the same model)."""
    shipped = shipped_expert_path(CARTPOLE)
    assert shipped is not None
    weak = tmp_path / "weak.zip"
    weak.write_bytes(shipped.read_bytes() + b"\0")
    return weak


def test_a_weaker_expert_is_kept_but_does_not_take_over(store: Path) -> None:
    kept = keep_expert(CARTPOLE, _weak_zip(store), mean_return=51.5)
    assert kept.name == f"{file_sha256(kept)}.zip" and kept.is_file()
    assert promoted_expert(CARTPOLE) is None
    best = strongest_known(CARTPOLE)
    assert best is not None and best.where == "shipped" and best.mean_return == 500.0
    assert resolve_expert(CARTPOLE).origin == "shipped"


def test_a_forced_promotion_wins_over_stronger_experts(store: Path) -> None:
    kept = keep_expert(CARTPOLE, _weak_zip(store), mean_return=51.5)
    promote(CARTPOLE, file_sha256(kept), forced=True)
    ref = resolve_expert(CARTPOLE)
    assert ref.origin == "store" and ref.sha256 == file_sha256(kept)


def test_an_unforced_weaker_promotion_loses_to_the_shipped_expert(store: Path) -> None:
    kept = keep_expert(CARTPOLE, _weak_zip(store), mean_return=51.5)
    promote(CARTPOLE, file_sha256(kept), forced=False)
    assert resolve_expert(CARTPOLE).origin == "shipped"


def test_an_unindexed_store_file_comes_after_recorded_experts(store: Path) -> None:
    path = store_expert_path(CARTPOLE)
    path.parent.mkdir(parents=True)
    path.write_bytes(_weak_zip(store).read_bytes())
    assert resolve_expert(CARTPOLE).origin == "shipped"
    assert resolve_expert(CARTPOLE, ExpertConfig(source="store")).path == path


def test_a_store_file_replaced_by_hand_is_no_longer_the_indexed_one(store: Path) -> None:
    kept = keep_expert(CARTPOLE, _weak_zip(store), mean_return=600.0)
    stored = promote(CARTPOLE, file_sha256(kept), forced=False)
    assert resolve_expert(CARTPOLE).origin == "store"
    stored.write_bytes(b"edited")
    assert promoted_expert(CARTPOLE) is None  # its recorded return no longer applies


def _ref() -> ExpertRef:
    return ExpertRef(path=Path("e.zip"), origin="store", sha256="0" * 64)


def _stats(mean: float, std: float) -> dict[str, float]:
    return {"monitor_return_mean": mean, "monitor_return_std": std}


def test_an_expert_not_clearly_better_than_random_is_refused() -> None:
    with pytest.raises(UserError, match="not clearly above the random policy's 32.8"):
        check_expert_quality(CARTPOLE, _ref(), _stats(51.5, 5.0), _stats(32.8, 20.0))
    check_expert_quality(CARTPOLE, _ref(), _stats(500.0, 0.0), _stats(32.8, 20.0))


def test_an_expert_far_below_the_reference_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check_expert_quality(CARTPOLE, _ref(), _stats(150.0, 5.0), _stats(32.8, 20.0))
    assert "far below the reference 500" in caplog.text
