"""Where the platform keeps its on-disk caches."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$IMITATION_MLFLOW_CACHE``, else ``~/.cache/imitation_mlflow``; created on demand."""
    root = os.environ.get("IMITATION_MLFLOW_CACHE") or Path.home() / ".cache" / "imitation_mlflow"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def repo_name(gym_id: str, algo: str = "ppo") -> str:
    """Hub-style name of an expert for ``gym_id``: ``ppo-seals-HalfCheetah-v1``."""
    return f"{algo}-{gym_id.replace('/', '-')}"
