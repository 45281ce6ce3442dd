"""A tuning job's outcome: the best configuration, its re-evaluation, and the config file."""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from pathlib import Path
from typing import Any

from imitation_mlflow.tuning.job import TuningJob


@dataclasses.dataclass(frozen=True)
class TuningResult:
    """The best trial of phase 1 and its phase 2 returns on fresh seeds."""

    job: TuningJob
    best_trial: int
    best_params: dict[str, Any]
    """The sampled values as optuna stores them (labels for grouped options)."""
    config_values: dict[str, Any]
    """Every dotted config value of the best configuration."""
    phase1_return: float
    returns: list[float]
    normalized_scores: list[float]

    @property
    def return_mean(self) -> float:
        """Mean return over the phase 2 seeds."""
        return statistics.fmean(self.returns)

    @property
    def return_std(self) -> float:
        """Standard deviation of return over the phase 2 seeds (as published: population)."""
        return statistics.pstdev(self.returns)

    @property
    def normalized_score_mean(self) -> float:
        """Mean normalized score over the phase 2 seeds."""
        return statistics.fmean(self.normalized_scores) if self.normalized_scores else math.nan

    @property
    def config_name(self) -> str:
        """The named config the result is written as: ``<algo>_<env>``, what ``train`` picks."""
        return f"{self.job.algo}_{self.job.env}"

    def summary(self) -> dict[str, Any]:
        """Plain data for the JSON artifact and ``--json`` output."""
        return {
            "study": self.job.study_name,
            "algo": self.job.algo,
            "env": self.job.env,
            "best_trial": self.best_trial,
            "best_params": self.best_params,
            "phase1_return_mean": self.phase1_return,
            "phase2_seeds": self.job.phase2_seeds(),
            "phase2_returns": self.returns,
            "phase2_return_mean": self.return_mean,
            "phase2_return_std": self.return_std,
            "phase2_normalized_score_mean": self.normalized_score_mean,
            "config_name": self.config_name,
            "config_values": self.config_values,
        }


def named_config_text(result: TuningResult) -> str:
    """The best configuration as a TOML named config that ``train --config-file`` accepts."""
    lines = [
        f"# Tuned with `imitation-mlflow tune {result.job.algo} {result.job.env}` "
        f"(study {result.job.study_name}, trial {result.best_trial} of {result.job.n_trials}).",
        f"# Phase 2: return {result.return_mean:.4g} +- {result.return_std:.4g} over "
        f"{len(result.returns)} fresh seeds (normalized {result.normalized_score_mean:.3f}).",
        f"# Use: imitation-mlflow train {result.job.algo} {result.job.env} --config-file THIS_FILE",
        f"[{result.config_name}]",
        f'extends = "{result.job.env}"',
    ]
    for key, value in sorted(result.config_values.items()):
        if key == "environment.gym_id":
            continue  # set by `extends`
        lines.append(f"{json.dumps(key)} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    """A config value as TOML; ``None`` as the string ``"None"`` the config parser reads back."""
    if value is None:
        return '"None"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def write_named_config(result: TuningResult) -> Path:
    """Write ``<output_dir>/<algo>_<env>.toml`` and return its path."""
    path = result.job.output_dir / f"{result.config_name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(named_config_text(result))
    return path


def trials_table(rows: list[dict[str, Any]], limit: int = 10) -> str:
    """Markdown table of the best ``limit`` trials (number, state, mean return, params)."""
    if not rows:
        return "(no trials)"
    names = sorted({name for row in rows for name in row["params"]})
    header = ["trial", "state", "mean return", *names]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    ranked = sorted(rows, key=lambda r: math.inf if r["value"] is None else -r["value"])
    for row in ranked[:limit]:
        value = "" if row["value"] is None else f"{row['value']:.4g}"
        params = [_short(row["params"].get(name, "")) for name in names]
        lines.append("| " + " | ".join([str(row["number"]), row["state"], value, *params]) + " |")
    return "\n".join(lines)


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
