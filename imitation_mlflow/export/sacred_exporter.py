"""MLflow runs -> the sacred layout of the published benchmark.

``OUTPUT/sacred/<script>/<n>/{config.json, run.json, cout.txt, metrics.json}`` numbered per
script from 1, and ``OUTPUT/<algo>/<env id>/<YYYYmmdd_HHMMSS>_<6 hex>/`` holding a relative
``sacred`` link to that folder and the run's policy. Re-exporting is idempotent: an index
file maps MLflow run ids to their folders.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from imitation_mlflow.config.env_ids import slug
from imitation_mlflow.export.sacred_records import SACRED_STATUS, ms_to_datetime
from imitation_mlflow.export.sacred_writer import sacred_run_record, write_run_folder
from imitation_mlflow.tracking.contract import RunRecord
from imitation_mlflow.tracking.records import json_artifact, training_runs

INDEX_FILE = ".mlflow_export.json"
ARTIFACTS = ("config.json", "result.json", "cout.txt", "policy.zip")
"""Run artifacts the exporter reads."""


@dataclasses.dataclass
class ExportSummary:
    """What an export wrote."""

    new: int
    updated: int
    folders: list[Path]


def export_experiment(experiment: str, output: Path, *, suite: str | None = None) -> ExportSummary:
    """Write the training runs of ``experiment`` (or of one suite) under ``output``."""
    records = training_runs(experiment, suite=suite, artifact_names=ARTIFACTS)
    return export_runs(records, output)


def export_runs(records: Iterable[RunRecord], output: Path) -> ExportSummary:
    """Write every record into the sacred layout under ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    index_path = output / INDEX_FILE
    index: dict[str, str] = json.loads(index_path.read_text()) if index_path.exists() else {}
    summary = ExportSummary(0, 0, [])
    try:
        for record in records:
            script = record.tags.get("train_script", "train_imitation")
            relative = index.get(record.run_id)
            if relative is None:
                relative = f"{script}/{_next_number(output / 'sacred' / script)}"
                summary.new += 1
            else:
                summary.updated += 1
            folder = output / "sacred" / relative
            _write_sacred_folder(record, script, folder)
            index[record.run_id] = relative
            summary.folders.append(_write_run_dir(record, output, folder))
    finally:
        index_path.write_text(json.dumps(index, indent=2, sort_keys=True))
    return summary


def _next_number(script_dir: Path) -> int:
    if not script_dir.is_dir():
        return 1
    numbers = [int(p.name) for p in script_dir.iterdir() if p.name.isdigit()]
    return max(numbers, default=0) + 1


def _write_sacred_folder(record: RunRecord, script: str, folder: Path) -> None:
    algo = record.tags["algo"]
    run = sacred_run_record(
        command=algo,
        experiment=script,
        status=SACRED_STATUS.get(record.status, record.status),
        result=json_artifact(record, "result.json"),
        start_time=ms_to_datetime(record.start_time_ms),
        stop_time=ms_to_datetime(record.end_time_ms) if record.end_time_ms else None,
        host=record.tags.get("host", "unknown"),
    )
    config = json_artifact(record, "config.json") or _config_from_params(record.params)
    cout = record.artifacts.get("cout.txt", b"").decode("utf-8", errors="replace")
    write_run_folder(folder, run=run, config=config, cout=cout, metrics=_metrics(record))


def _config_from_params(params: dict[str, str]) -> dict[str, Any]:
    """Rebuild nested config data from flattened params (when config.json is missing)."""
    config: dict[str, Any] = {}
    for key, value in params.items():
        node = config
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        try:
            node[leaf] = json.loads(value)
        except ValueError:
            node[leaf] = None if value == "None" else value
    return config


def _metrics(record: RunRecord) -> dict[str, Any]:
    """Curves in sacred's ``metrics.json`` format."""
    out = {}
    for name, points in sorted(record.curves.items()):
        out[name] = {
            "steps": [step for step, _, _ in points],
            "timestamps": [ms_to_datetime(stamp).isoformat() for _, stamp, _ in points],
            "values": [value for _, _, value in points],
        }
    return out


def _write_run_dir(record: RunRecord, output: Path, folder: Path) -> Path:
    env_dir = slug(record.tags.get("env_id", "unknown"))
    stamp = ms_to_datetime(record.start_time_ms).strftime("%Y%m%d_%H%M%S")
    run_dir = output / record.tags["algo"] / env_dir / f"{stamp}_{record.run_id[:6]}"
    run_dir.mkdir(parents=True, exist_ok=True)
    link = run_dir / "sacred"
    target = os.path.relpath(folder, run_dir)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target, target_is_directory=True)
    policy = record.artifacts.get("policy.zip")
    if policy is not None:
        (run_dir / "policy.zip").write_bytes(policy)
    return run_dir
