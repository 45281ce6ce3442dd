"""The local demonstrations cache."""

from __future__ import annotations

import dataclasses

import numpy as np

from imitation_mlflow.data import Trajectory
from imitation_mlflow.data.cache import (
    DemonstrationsKey,
    cached_demonstrations,
    demonstrations_dir,
)

KEY = DemonstrationsKey(
    expert_sha256="a" * 64,
    gym_id="seals/CartPole-v0",
    n_episodes=2,
    seed=0,
    deterministic=False,
    num_vec=2,
)


def _roller(rng, calls: list[int]):
    def roll_out() -> list[Trajectory]:
        calls.append(1)
        return [
            Trajectory(
                obs=rng.normal(size=(4, 4)),
                acts=np.array([0, 1, 1]),
                rews=np.ones(3),
                terminal=True,
            )
            for _ in range(2)
        ]

    return roll_out


def test_second_request_reads_the_cache(rng, tmp_path, monkeypatch):
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path))
    calls: list[int] = []
    first = cached_demonstrations(KEY, _roller(rng, calls))
    second = cached_demonstrations(KEY, _roller(rng, calls))
    assert calls == [1]
    assert (first.origin, second.origin) == ("rollout", "cache")
    assert first.digest == second.digest == KEY.digest()
    assert second.path.is_relative_to(demonstrations_dir() / KEY.digest())
    for a, b in zip(first.trajectories, second.trajectories, strict=True):
        np.testing.assert_array_equal(a.obs, b.obs)
    assert second.uri == second.path.as_uri()


def test_any_change_of_key_rolls_out_again(rng, tmp_path, monkeypatch):
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path))
    calls: list[int] = []
    cached_demonstrations(KEY, _roller(rng, calls))
    for change in ({"expert_sha256": "b" * 64}, {"seed": 1}, {"deterministic": True}):
        other = dataclasses.replace(KEY, **change)
        assert other.digest() != KEY.digest()
        assert cached_demonstrations(other, _roller(rng, calls)).origin == "rollout"
    assert len(calls) == 4
