"""Read sacred run folders (``run.json`` + ``config.json``), from a directory tree or a zip."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imitation_mlflow.errors import UserError
from imitation_mlflow.schema import RUN_COLUMNS as COLUMNS

RUN_FILE = "run.json"
CONFIG_FILE = "config.json"


@dataclasses.dataclass
class FolderScan:
    """Runs found under a root: a tidy frame, plus the folders that could not be read."""

    frame: pd.DataFrame
    skipped: list[str]


def read_run_folders(root: str | Path) -> FolderScan:
    """Every nested folder of ``root`` (a directory or a ``.zip``) holding both sacred files.

    Symlinked folders are not followed, so the ``<algo>/<env>/<time>/sacred`` links of an
    exported layout do not count their runs twice. Corrupt or partial folders are listed in
    ``skipped`` instead of raising.
    """
    root = Path(root)
    if not root.exists():
        raise UserError(f"{str(root)!r} does not exist; pass a folder of sacred runs or a .zip")
    pairs = _zip_pairs(root) if root.is_file() else _dir_pairs(root)
    rows, skipped = [], []
    for source, read in pairs:
        try:
            rows.append(_row(json.loads(read(RUN_FILE)), json.loads(read(CONFIG_FILE)), source))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            skipped.append(source)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return FolderScan(frame=frame, skipped=skipped)


def _dir_pairs(root: Path) -> Iterator[tuple[str, Any]]:
    for dirpath, _dirnames, filenames in os.walk(root):
        if RUN_FILE in filenames and CONFIG_FILE in filenames:
            folder = dirpath

            def read(name: str, folder: str = folder) -> str:
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    return handle.read()

            yield folder, read
        elif RUN_FILE in filenames or CONFIG_FILE in filenames:
            yield dirpath, _missing


def _zip_pairs(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UserError(f"{str(path)!r} is not a readable zip file ({exc})") from exc
    with archive:
        folders: dict[str, set[str]] = {}
        for name in archive.namelist():
            folder, _, base = name.rpartition("/")
            if base in (RUN_FILE, CONFIG_FILE):
                folders.setdefault(folder, set()).add(base)
        for folder, files in sorted(folders.items()):
            prefix = f"{folder}/" if folder else ""
            if files == {RUN_FILE, CONFIG_FILE}:

                def read(name: str, prefix: str = prefix) -> str:
                    return archive.read(prefix + name).decode("utf-8")

                yield f"{path}!{folder}", read
            else:
                yield f"{path}!{folder}", _missing


def _missing(name: str) -> str:
    raise OSError(f"{name} missing")


def _row(run: dict[str, Any], config: dict[str, Any], source: str) -> dict[str, Any]:
    result = run.get("result") or {}
    status = run["status"]
    score = _nested(result, "imit_stats", "monitor_return_mean")
    if status == "COMPLETED" and score is None:
        raise KeyError("result.imit_stats.monitor_return_mean")
    random_score = _nested(result, "random_stats", "monitor_return_mean")
    return {
        "algo": run["command"],
        "env_id": config["environment"]["gym_id"],
        "seed": int(config.get("seed", -1)),
        "status": status,
        "score": np.nan if score is None else float(score),
        "expert_score": _float(_nested(result, "expert_stats", "monitor_return_mean")),
        "random_score": _float(random_score),
        "normalized_score": _float(result.get("normalized_score")),
        "source": source,
    }


def _nested(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _float(value: Any) -> float:
    return np.nan if value is None else float(value)
