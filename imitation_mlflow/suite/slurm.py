"""A suite as a SLURM job array: one array task per run, logs per task."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from imitation_mlflow.errors import UserError


def slurm_script(
    commands: Sequence[str],
    *,
    job_name: str,
    concurrency: int,
    log_dir: Path,
    workdir: Path,
    tracking_uri: str | None,
    cpus_per_task: int = 1,
    extra_sbatch: Sequence[str] = (),
) -> str:
    """An ``sbatch`` job-array script: array task i runs ``commands[i]``."""
    if not commands:
        raise UserError(
            "nothing to submit: every run of the suite already FINISHED (--force reruns)"
        )
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name={job_name}",
        f"#SBATCH --array=0-{len(commands) - 1}%{concurrency}",
        f"#SBATCH --output={log_dir}/%x-%A_%a.out",
        f"#SBATCH --error={log_dir}/%x-%A_%a.err",
        f"#SBATCH --cpus-per-task={cpus_per_task}",
        f"#SBATCH --chdir={workdir}",
        *[f"#SBATCH {option}" for option in extra_sbatch],
        "set -euo pipefail",
        "",
    ]
    if tracking_uri:
        lines.append(f"export MLFLOW_TRACKING_URI={shlex.quote(tracking_uri)}")
    lines += ['export MLFLOW_TRACKING_URI="${MLFLOW_TRACKING_URI:?set MLFLOW_TRACKING_URI}"', ""]
    lines.append("COMMANDS=(")
    lines += [f"  {shlex.quote(c)}" for c in commands]
    lines += [")", "", 'eval "${COMMANDS[$SLURM_ARRAY_TASK_ID]}"', ""]
    return "\n".join(lines)


def absolute_tracking_uri() -> str:
    """The store the workers must log to: MLFLOW_TRACKING_URI, else ./mlflow.db made absolute."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    return f"sqlite:///{Path.cwd() / 'mlflow.db'}"
