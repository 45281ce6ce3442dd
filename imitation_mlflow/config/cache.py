"""Where the platform keeps its on-disk caches (experts, demonstrations, random scores, logs)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "IMITATION_MLFLOW_CACHE"


def cache_dir() -> Path:
    """``$IMITATION_MLFLOW_CACHE``, else ``~/.cache/imitation_mlflow``; created on demand."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "imitation_mlflow"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path
