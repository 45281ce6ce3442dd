"""The local expert store: ``<cache>/experts`` in the hub's file layout.

``expert train`` writes there, and runs look there first.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from imitation_mlflow.config.cache import cache_dir
from imitation_mlflow.config.env_ids import repo_name


def store_dir() -> Path:
    """The local expert store, ``<cache>/experts``, laid out like the hub (one folder per repo)."""
    return cache_dir() / "experts"


def store_expert_path(gym_id: str, root: Path | None = None) -> Path:
    """Where the store keeps the expert for ``gym_id``: ``<repo>/<repo>.zip``."""
    name = repo_name(gym_id)
    return (root or store_dir()) / name / f"{name}.zip"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, recorded so a run says exactly which expert it used."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
