"""Sacred run folders as run records, with the tags and metrics of a native run.

This is where the published layout's ``run.json`` / ``config.json`` keys are read, and
where sacred's run statuses meet MLflow's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imitation_mlflow.config import flatten_dict
from imitation_mlflow.config.env_ids import env_config_for
from imitation_mlflow.config.registry import ALGORITHMS
from imitation_mlflow.export.sacred_folders import FILES, RUN_FILES, RunFolder, scan_folders
from imitation_mlflow.tracking.contract import IMPORT_DIGEST_TAG, RunRecord

SACRED_STATUS = {
    "FINISHED": "COMPLETED",
    "FAILED": "FAILED",
    "KILLED": "INTERRUPTED",
    "RUNNING": "RUNNING",
    "SCHEDULED": "QUEUED",
}
"""MLflow run status -> sacred's name for it (what summaries and the layout use)."""

MLFLOW_STATUS = {
    "COMPLETED": "FINISHED",
    "FAILED": "FAILED",
    "INTERRUPTED": "KILLED",
    "TIMEOUT": "FAILED",
    "RUNNING": "RUNNING",
    "QUEUED": "SCHEDULED",
}
"""sacred run status -> MLflow run status."""

UNREADABLE = (ValueError, KeyError, TypeError, AttributeError)
"""What parsing a corrupt or partial run folder raises."""


@dataclasses.dataclass
class RecordScan:
    """The runs read from a folder or zip, and what was left out (with the reason)."""

    records: list[RunRecord]
    skipped: list[str]
    """Corrupt or partial run folders."""
    refused: list[str]
    """Entries pointing outside the input (``..``, absolute paths, symlinks out)."""


def read_records(path: Path, *, full: bool = False) -> RecordScan:
    """Every readable run folder under ``path`` (a folder or zip) as a record.

    Without ``full`` a record carries tags and final metrics only (what analysis reads);
    with it also params, curves and artifacts (what import writes).
    """
    scan = scan_folders(path, FILES if full else RUN_FILES)
    out = RecordScan([], [], scan.refused)
    for folder in scan.folders:
        try:
            out.records.append(to_record(folder, full=full))
        except UNREADABLE:
            out.skipped.append(folder.source)
    return out


def to_record(folder: RunFolder, *, full: bool = True) -> RunRecord:
    """One run folder as a record; raises one of ``UNREADABLE`` for a corrupt one."""
    files = folder.files
    run = json.loads(files["run.json"])
    config = json.loads(files["config.json"])
    result = run.get("result")
    status = run["status"]
    metrics = _final_metrics(result)
    if status == "COMPLETED" and "imit_return_mean" not in metrics:
        raise KeyError("result.imit_stats.monitor_return_mean")
    record = RunRecord(
        run_id="",
        run_name="",
        status=MLFLOW_STATUS[status],
        start_time_ms=_ms(run["start_time"]) or 0,
        end_time_ms=_ms(run.get("stop_time") or run.get("heartbeat")),
        tags=_tags(run, config, folder.source),
        params={},
        metrics=metrics,
        curves={},
        artifacts={},
    )
    record.run_name = f"{record.tags['algo']}-{record.tags['env']}-s{record.tags['seed']}"
    return _complete(record, files, config, result) if full else record


def _tags(run: dict[str, Any], config: dict[str, Any], source: str) -> dict[str, str]:
    algo = str(run["command"])
    gym_id = str(config["environment"]["gym_id"])
    script = run.get("experiment", {}).get("name") or (
        ALGORITHMS[algo].script if algo in ALGORITHMS else "train_imitation"
    )
    return {
        "algo": algo,
        "env_id": gym_id,
        "env": env_config_for(gym_id),
        "seed": str(int(config.get("seed", -1))),
        "train_script": script,
        "host": str((run.get("host") or {}).get("hostname", "unknown")),
        "imported_from": source,
    }


def _complete(
    record: RunRecord, files: dict[str, bytes], config: dict[str, Any], result: Any
) -> RunRecord:
    """Add what an import writes: params, curves, artifacts, the digest that dedupes."""
    digest = hashlib.sha256(files["run.json"] + b"\0" + files["config.json"]).hexdigest()
    record.tags[IMPORT_DIGEST_TAG] = digest
    record.params = flatten_dict(config)
    record.curves = _curves(files.get("metrics.json"))
    record.artifacts = {
        "config.json": json.dumps(config, indent=2, sort_keys=True).encode(),
        "cout.txt": files.get("cout.txt", b""),
    }
    if result is not None:
        record.artifacts["result.json"] = json.dumps(result, indent=2, sort_keys=True).encode()
    return record


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
    non_finite = sorted(key for key, value in metrics.items() if not math.isfinite(value))
    if non_finite:
        raise ValueError(f"non-finite {', '.join(non_finite)} in run.json's result")
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


def ms_to_datetime(ms: int) -> datetime:
    """MLflow's epoch milliseconds -> a naive UTC datetime (sacred's timestamps)."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).replace(tzinfo=None)
