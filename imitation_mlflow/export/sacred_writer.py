"""Write one sacred run folder: ``run.json``, ``config.json``, ``cout.txt``, ``metrics.json``."""

from __future__ import annotations

import json
import socket
from datetime import datetime
from pathlib import Path
from typing import Any


def sacred_run_record(
    *,
    command: str,
    experiment: str,
    status: str,
    result: dict[str, Any] | None,
    start_time: datetime,
    stop_time: datetime | None,
    config_updates: dict[str, Any] | None = None,
    named_configs: list[str] | None = None,
    host: str | None = None,
) -> dict[str, Any]:
    """The ``run.json`` a sacred FileStorageObserver writes, with the keys tools read."""
    stamp = "%Y-%m-%dT%H:%M:%S.%f"
    return {
        "artifacts": [],
        "command": command,
        "experiment": {
            "name": experiment,
            "base_dir": "",
            "dependencies": [],
            "mainfile": "",
            "repositories": [],
            "sources": [],
        },
        "heartbeat": (stop_time or start_time).strftime(stamp),
        "host": {"hostname": host or socket.gethostname()},
        "meta": {
            "command": command,
            "named_configs": named_configs or [],
            "config_updates": config_updates or {},
            "options": {},
        },
        "resources": [],
        "result": result,
        "start_time": start_time.strftime(stamp),
        "status": status,
        "stop_time": stop_time.strftime(stamp) if stop_time else None,
    }


def write_run_folder(
    folder: Path,
    *,
    run: dict[str, Any],
    config: dict[str, Any],
    cout: str = "",
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Create ``folder`` with the four sacred files; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True))
    (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    (folder / "cout.txt").write_text(cout)
    (folder / "metrics.json").write_text(json.dumps(metrics or {}, indent=2, sort_keys=True))
    return folder
