"""Demonstrations as a run uses them, and the local cache of rolled-out ones (parquet).

Demonstrations depend only on the expert (its file's sha256), the environment, how many
episodes, the seed and how they were rolled out; the cache is keyed by exactly those, so a
later run with the same key reads them instead of rolling them out again. Entries use the
hub dataset layout (``<key>/data/train-00000-of-00001.parquet``), so an entry can be pushed
as it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from imitation_mlflow.config.cache import cache_dir
from imitation_mlflow.data.parquet import read_trajectories, write_trajectories
from imitation_mlflow.data.trajectories import Trajectory, trajectory_stats

DATA_FILE = "data/train-00000-of-00001.parquet"


@dataclasses.dataclass(frozen=True, kw_only=True)
class DemonstrationsKey:
    """Everything rolled-out demonstrations depend on."""

    expert_sha256: str
    gym_id: str
    n_episodes: int
    seed: int
    """The run's root seed (the demonstrations stream is derived from it)."""
    deterministic: bool
    num_vec: int
    """Env copies rolling out (which episodes finish first depends on it)."""
    max_episode_steps: int | None = None

    def digest(self) -> str:
        """Hex SHA-256 of the key's fields, the cache entry's name."""
        encoded = json.dumps(dataclasses.asdict(self), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()


@dataclasses.dataclass(frozen=True)
class Demonstrations:
    """Demonstrations a run uses, and where they are on disk (for the run's dataset input)."""

    trajectories: list[Trajectory]
    path: Path
    """The parquet file (or first file) holding them."""
    digest: str
    """Identifies the set: the cache key's digest, or the hub commit for hub datasets."""
    origin: str
    """``cache`` (read from the cache), ``rollout`` (just rolled out, now cached) or ``hub``."""
    uri: str
    """Where the set comes from, for the run's dataset input (a file or hub URL)."""

    def stats(self) -> dict[str, float]:
        """Return statistics of the set (the expert score a run normalises against)."""
        return trajectory_stats(self.trajectories)


def demonstrations_dir() -> Path:
    """Root of the cache: ``<cache>/demonstrations``."""
    return cache_dir() / "demonstrations"


def cached_demonstrations(
    key: DemonstrationsKey, roll_out: Callable[[], list[Trajectory]]
) -> Demonstrations:
    """The cached demonstrations for ``key``, else ``roll_out()``'s, written to the cache."""
    digest = key.digest()
    entry = demonstrations_dir() / digest
    path = entry / DATA_FILE
    if path.is_file():
        trajectories = read_trajectories([path])
        if len(trajectories) == key.n_episodes:
            return Demonstrations(trajectories, path, digest, "cache", path.as_uri())
    trajectories = roll_out()
    write_trajectories(trajectories, path)
    (entry / "key.json").write_text(json.dumps(dataclasses.asdict(key), indent=2))
    return Demonstrations(trajectories, path, digest, "rollout", path.as_uri())
