"""The sacred layout -> run records for MLflow, refusing anything that escapes the input."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from imitation_mlflow.config import env_config_for, flatten_dict
from imitation_mlflow.errors import UserError
from imitation_mlflow.tracking.records import IMPORT_DIGEST_TAG, RunRecord

MLFLOW_STATUS = {
    "COMPLETED": "FINISHED",
    "FAILED": "FAILED",
    "INTERRUPTED": "KILLED",
    "TIMEOUT": "FAILED",
    "RUNNING": "RUNNING",
    "QUEUED": "SCHEDULED",
}
"""sacred run status -> MLflow run status."""
FILES = ("run.json", "config.json", "cout.txt", "metrics.json")


@dataclasses.dataclass
class ImportScan:
    """Runs found in a folder or zip, and what was left out (with the reason)."""

    records: list[RunRecord]
    skipped: list[str]
    """Corrupt or partial run folders."""
    refused: list[str]
    """Entries pointing outside the input (``..``, absolute paths, symlinks out)."""


def scan_sacred(path: Path) -> ImportScan:
    """Read every run folder (``run.json`` + ``config.json``) under ``path`` (folder or zip)."""
    if not path.exists():
        raise UserError(f"{str(path)!r} does not exist; pass a folder of sacred runs or a .zip")
    scan = ImportScan([], [], [])
    folders = _zip_folders(path, scan) if path.is_file() else _dir_folders(path, scan)
    for source, files in folders:
        try:
            scan.records.append(to_record(files, source))
        except (ValueError, KeyError, TypeError, AttributeError):
            scan.skipped.append(source)
    return scan


def _dir_folders(root: Path, scan: ImportScan) -> Iterator[tuple[str, dict[str, bytes]]]:
    real_root = os.path.realpath(root)
    for dirpath, _dirs, filenames in os.walk(root):
        if "run.json" not in filenames and "config.json" not in filenames:
            continue
        files: dict[str, bytes] = {}
        for name in FILES:
            full = os.path.join(dirpath, name)
            if not os.path.lexists(full):
                continue
            if os.path.commonpath([os.path.realpath(full), real_root]) != real_root:
                scan.refused.append(full)
                continue
            with open(full, "rb") as handle:
                files[name] = handle.read()
        yield dirpath, files


def _zip_folders(path: Path, scan: ImportScan) -> Iterator[tuple[str, dict[str, bytes]]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UserError(f"{str(path)!r} is not a readable zip file ({exc})") from exc
    with archive:
        folders: dict[str, dict[str, bytes]] = {}
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
                scan.refused.append(info.filename)
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                scan.refused.append(info.filename)
                continue
            if name.name in FILES:
                folders.setdefault(str(name.parent), {})[name.name] = archive.read(info)
        for folder, files in sorted(folders.items()):
            if "run.json" in files or "config.json" in files:
                yield f"{path}!{folder}", files


def to_record(files: dict[str, bytes], source: str) -> RunRecord:
    """One sacred run folder's files as a record with the tags and metrics of a native run."""
    run = json.loads(files["run.json"])
    config = json.loads(files["config.json"])
    algo = run["command"]
    gym_id = config["environment"]["gym_id"]
    seed = int(config["seed"])
    script = run.get("experiment", {}).get("name") or (
        "train_adversarial" if algo in ("gail", "airl") else "train_imitation"
    )
    env = env_config_for(gym_id)
    result = run.get("result")
    digest = hashlib.sha256(files["run.json"] + b"\0" + files["config.json"]).hexdigest()
    tags = {
        "algo": algo,
        "env_id": gym_id,
        "env": env,
        "seed": str(seed),
        "train_script": script,
        "host": str((run.get("host") or {}).get("hostname", "unknown")),
        "imported_from": source[-250:],
        IMPORT_DIGEST_TAG: digest,
    }
    artifacts = {
        "config.json": json.dumps(config, indent=2, sort_keys=True).encode(),
        "cout.txt": files.get("cout.txt", b""),
    }
    if result is not None:
        artifacts["result.json"] = json.dumps(result, indent=2, sort_keys=True).encode()
    start = _ms(run["start_time"])
    stop = _ms(run.get("stop_time") or run.get("heartbeat"))
    return RunRecord(
        run_id="",
        run_name=f"{algo}-{env}-s{seed}",
        status=MLFLOW_STATUS[run["status"]],
        start_time_ms=start if start is not None else 0,
        end_time_ms=stop,
        tags=tags,
        params=flatten_dict(config),
        metrics=_final_metrics(result),
        curves=_curves(files.get("metrics.json")),
        artifacts=artifacts,
    )


def _final_metrics(result: Any) -> dict[str, float]:
    if not isinstance(result, dict):
        return {}
    metrics = {}
    for prefix, key in (("imit", "imit_stats"), ("expert", "expert_stats")):
        stats = result.get(key) or {}
        for stat_name in ("mean", "std"):
            value = stats.get(f"monitor_return_{stat_name}")
            if value is not None:
                metrics[f"{prefix}_return_{stat_name}"] = float(value)
    random_stats = result.get("random_stats") or {}
    if "monitor_return_mean" in random_stats:
        metrics["random_return_mean"] = float(random_stats["monitor_return_mean"])
    if result.get("normalized_score") is not None:
        metrics["normalized_score"] = float(result["normalized_score"])
    return metrics


def _curves(content: bytes | None) -> dict[str, list[tuple[int, int, float]]]:
    if not content:
        return {}
    curves = {}
    for name, series in json.loads(content).items():
        stamps = [_ms(t) or 0 for t in series.get("timestamps", [])]
        curves[name] = [
            (int(step), stamp, float(value))
            for step, stamp, value in zip(series["steps"], stamps, series["values"], strict=True)
        ]
    return curves


def _ms(stamp: str | None) -> int | None:
    if not stamp:
        return None
    parsed = datetime.fromisoformat(stamp)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(round(parsed.timestamp() * 1000))
