"""Trajectories as parquet in the hub's dataset layout, with pyarrow only (no ``datasets``).

One row per trajectory; columns ``obs`` ``(T + 1, *obs_shape)``, ``acts`` ``(T, *act_shape)``,
``infos`` (``T`` JSON strings, the last one holding the Monitor ``episode`` record),
``terminal`` (bool) and ``rews`` ``(T,)`` -- what ``HumanCompatibleAI/ppo-seals-*`` datasets
hold under ``data/train-*.parquet``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from imitation_mlflow.data.trajectories import Trajectory

COLUMNS = ("obs", "acts", "infos", "terminal", "rews")


def trajectories_to_table(trajectories: list[Trajectory]) -> pa.Table:
    """One row per trajectory, in the hub dataset's columns (obs/acts flattened per step)."""
    infos = []
    for traj in trajectories:
        steps = ["{}"] * len(traj)
        episode = {"episode": {"r": float(traj.rews.sum()), "l": len(traj)}}
        steps[-1] = json.dumps(episode)
        infos.append(steps)
    return pa.table(
        {
            "obs": [_rows(t.obs) for t in trajectories],
            "acts": [_rows(t.acts) for t in trajectories],
            "infos": infos,
            "terminal": [bool(t.terminal) for t in trajectories],
            "rews": [np.asarray(t.rews, dtype=np.float32) for t in trajectories],
        }
    )


def trajectories_from_table(table: pa.Table) -> list[Trajectory]:
    """The trajectories of a table in the hub dataset's layout (``infos`` are not kept)."""
    missing = {"obs", "acts", "terminal", "rews"} - set(table.column_names)
    if missing:
        raise ValueError(f"demonstrations table lacks columns {sorted(missing)}")
    obs = _ragged(table.column("obs"))
    acts = _ragged(table.column("acts"))
    rews = _ragged(table.column("rews"))
    terminal = table.column("terminal").to_pylist()
    return [
        Trajectory(obs=o, acts=a, rews=np.asarray(r, dtype=np.float32), terminal=bool(t))
        for o, a, r, t in zip(obs, acts, rews, terminal, strict=True)
    ]


def write_trajectories(trajectories: list[Trajectory], path: Path) -> Path:
    """Write ``trajectories`` to the parquet file ``path`` atomically (readers never see half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        pq.write_table(trajectories_to_table(trajectories), tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def read_trajectories(paths: list[Path], limit: int | None = None) -> list[Trajectory]:
    """The trajectories of parquet files in order, the first ``limit`` of them if given."""
    trajectories: list[Trajectory] = []
    for path in paths:
        if limit is not None and len(trajectories) >= limit:
            break
        table = pq.read_table(path, columns=[c for c in COLUMNS if c != "infos"])
        trajectories.extend(trajectories_from_table(table))
    # Decoding the nested lists takes several times the table's size, which arrow's pool
    # would otherwise keep for the rest of the process (about 90 MB for 104 HalfCheetah demos).
    pa.default_memory_pool().release_unused()
    return trajectories[:limit] if limit is not None else trajectories


def _rows(array: np.ndarray) -> np.ndarray | list[np.ndarray]:
    # pyarrow takes a 1-D array as a list of scalars and a 2-D one as a list of rows.
    array = np.asarray(array)
    return array if array.ndim == 1 else list(array.reshape(len(array), -1))


def _ragged(column: pa.ChunkedArray) -> list[np.ndarray]:
    """A list column as one array per row: ``(T,)`` for scalars, ``(T, width)`` for vectors."""
    lists = column.combine_chunks()
    offsets = lists.offsets.to_numpy()
    offsets = offsets - offsets[0]
    inner = lists.flatten()
    if pa.types.is_list(inner.type) or pa.types.is_large_list(inner.type):
        flat = inner.flatten().to_numpy(zero_copy_only=False)
        values = flat.reshape(len(inner), -1) if len(inner) else flat.reshape(0, 0)
    elif pa.types.is_fixed_size_list(inner.type):
        values = inner.flatten().to_numpy(zero_copy_only=False).reshape(len(inner), -1)
    else:
        values = inner.to_numpy(zero_copy_only=False)
    return [values[offsets[i] : offsets[i + 1]] for i in range(len(lists))]
