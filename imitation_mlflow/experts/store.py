"""The local expert store: ``<cache>/experts`` in the hub's file layout.

``<repo>/<repo>.zip`` is the promoted expert, the one runs resolve. Every expert that
``expert train`` made is kept beside it as ``<repo>/sha256/<hash>.zip``, and
``<repo>/experts.json`` records each one's measured return and which one is promoted, so a
weaker expert never silently replaces a stronger one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

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


INDEX = "experts.json"
"""Per-env index of every expert trained into the store: sha256 -> measured return."""


@dataclasses.dataclass(frozen=True)
class StoredExpert:
    """An expert kept in the store under its content hash, with the return measured for it."""

    sha256: str
    path: Path
    mean_return: float
    forced: bool = False
    """Promoted with ``--promote`` although a stronger expert was known."""


def _index_path(gym_id: str, root: Path | None) -> Path:
    return store_expert_path(gym_id, root).parent / INDEX


def _read_index(gym_id: str, root: Path | None) -> dict[str, Any]:
    path = _index_path(gym_id, root)
    return json.loads(path.read_text()) if path.is_file() else {"promoted": None, "experts": {}}


def keep_expert(gym_id: str, zip_path: Path, mean_return: float, root: Path | None = None) -> Path:
    """Copy ``zip_path`` into the store as ``sha256/<hash>.zip`` and index its return."""
    sha256 = file_sha256(zip_path)
    target = store_expert_path(gym_id, root).parent / "sha256" / f"{sha256}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(zip_path, target)
    index = _read_index(gym_id, root)
    index["experts"][sha256] = {"return": mean_return}
    _index_path(gym_id, root).write_text(json.dumps(index, indent=2, sort_keys=True))
    return target


def promote(gym_id: str, sha256: str, forced: bool, root: Path | None = None) -> Path:
    """Make the kept expert ``sha256`` the one runs resolve from the store (``<repo>.zip``)."""
    promoted = store_expert_path(gym_id, root)
    kept = promoted.parent / "sha256" / f"{sha256}.zip"
    tmp = promoted.with_suffix(".zip.tmp")
    shutil.copyfile(kept, tmp)
    os.replace(tmp, promoted)  # a run resolving at this moment sees the old or the new file
    index = _read_index(gym_id, root)
    index["promoted"] = {"sha256": sha256, "forced": forced}
    _index_path(gym_id, root).write_text(json.dumps(index, indent=2, sort_keys=True))
    return promoted


def promoted_expert(gym_id: str, root: Path | None = None) -> StoredExpert | None:
    """The store's promoted expert with its recorded return; ``None`` without an indexed one."""
    path = store_expert_path(gym_id, root)
    index = _read_index(gym_id, root)
    chosen = index.get("promoted")
    if not path.is_file() or not chosen or file_sha256(path) != chosen["sha256"]:
        return None
    record = index["experts"][chosen["sha256"]]
    return StoredExpert(chosen["sha256"], path, float(record["return"]), bool(chosen["forced"]))
