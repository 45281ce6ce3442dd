"""Trajectories <-> parquet in the hub dataset layout."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from imitation_mlflow.data import Trajectory
from imitation_mlflow.data.parquet import (
    read_trajectories,
    trajectories_from_table,
    trajectories_to_table,
    write_trajectories,
)


def _trajectories(rng, discrete: bool) -> list[Trajectory]:
    out = []
    for length, terminal in ((3, True), (5, False)):
        acts = rng.integers(0, 2, length) if discrete else rng.normal(size=(length, 2))
        out.append(
            Trajectory(
                obs=rng.normal(size=(length + 1, 4)).astype(np.float32),
                acts=acts,
                rews=rng.normal(size=length).astype(np.float32),
                terminal=terminal,
            )
        )
    return out


@pytest.mark.parametrize("discrete", [True, False])
def test_round_trip_keeps_arrays_and_dtypes(rng, tmp_path, discrete):
    original = _trajectories(rng, discrete)
    path = write_trajectories(original, tmp_path / "data" / "train-00000-of-00001.parquet")
    back = read_trajectories([path])
    assert len(back) == 2
    for a, b in zip(original, back, strict=True):
        np.testing.assert_array_equal(a.obs, b.obs)
        np.testing.assert_array_equal(a.acts, b.acts)
        np.testing.assert_array_equal(a.rews, b.rews)
        assert a.terminal == b.terminal and a.obs.dtype == b.obs.dtype
        assert a.acts.dtype == b.acts.dtype
    assert list(tmp_path.joinpath("data").iterdir()) == [path]  # no temporary file left


def test_last_info_holds_the_episode_record(rng):
    table = trajectories_to_table(_trajectories(rng, True))
    infos = table.column("infos").to_pylist()
    assert len(infos[1]) == 5 and infos[1][:-1] == ["{}"] * 4
    assert json.loads(infos[1][-1])["episode"]["l"] == 5


def test_reads_the_published_layout_across_files_with_a_limit(tmp_path):
    # As the hub's datasets store it: float64 lists, int acts, JSON infos, two files.
    for index, start in enumerate((0, 2)):
        rows = [
            {
                "obs": [[float(start + i), 1.0], [2.0, 3.0], [4.0, 5.0]],
                "acts": [1, 0],
                "infos": ["{}", '{"episode": {"r": 2.0, "l": 2}}'],
                "terminal": True,
                "rews": [1.0, 1.0],
            }
            for i in range(2)
        ]
        pq.write_table(pa.Table.from_pylist(rows), tmp_path / f"train-{index}.parquet")
    files = sorted(tmp_path.glob("train-*.parquet"))
    trajectories = read_trajectories(files, limit=3)
    assert [t.obs[0, 0] for t in trajectories] == [0.0, 1.0, 2.0]
    assert trajectories[0].obs.shape == (3, 2) and trajectories[0].acts.tolist() == [1, 0]
    assert trajectories[0].rews.sum() == 2.0


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="acts"):
        trajectories_from_table(pa.table({"obs": [[[1.0]]], "terminal": [True], "rews": [[]]}))
