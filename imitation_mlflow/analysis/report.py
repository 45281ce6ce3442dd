"""CSV and markdown summaries of a runs frame, in the published benchmark's formats."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from imitation_mlflow.analysis.aggregate import aggregate_estimates
from imitation_mlflow.analysis.frame import completed, score_matrices


def summary_csv(frame: pd.DataFrame, *, all_statuses: bool = False) -> str:
    """``algo, env, score, expert_score`` rows (comma-space separated, full precision).

    One row per completed run, as the published summary; ``all_statuses`` keeps every run
    and adds a ``status`` column.
    """
    runs = frame if all_statuses else completed(frame)
    runs = runs.sort_values(["algo", "env_id", "seed"], kind="stable")
    header = ["algo", "env", "score", "expert_score"] + (["status"] if all_statuses else [])
    lines = [", ".join(header)]
    for row in runs.itertuples(index=False):
        cells = [str(row.algo), str(row.env_id), _full(row.score), _full(row.expert_score)]
        if all_statuses:
            cells.append(str(row.status))
        lines.append(", ".join(cells))
    return "\n".join(lines) + "\n"


def _full(value: object) -> str:
    return repr(float(value)) if pd.notna(value) else "nan"  # type: ignore[arg-type]


def summary_markdown(
    frame: pd.DataFrame,
    *,
    reps: int,
    seed: int,
    source: str,
    plots: Sequence[tuple[str, str]] = (),
) -> str:
    """Run-status section (when needed), per-algorithm tables and aggregate Mean/IQM with CIs.

    Args:
        frame: the runs frame.
        reps: bootstrap repetitions for the confidence intervals.
        seed: bootstrap seed (same input and seed, same file).
        source: where the runs came from, quoted in the header.
        plots: (title, relative path) of images to reference.
    """
    out = ["# Benchmark summary", "", f"Source: `{source}`.", ""]
    out += [
        "Score: mean true return of a run's evaluation episodes. Normalized score: "
        "(score - random) / (expert - random) per run, with expert = the return of the "
        "expert demonstrations used and random = a uniform-random policy's return.",
        "",
    ]
    if not (frame["status"] == "COMPLETED").all():
        out += _status_section(frame)
    runs = completed(frame)
    for algo in sorted(runs["algo"].unique()):
        out += _algorithm_table(runs[runs["algo"] == algo], algo)
    out += _aggregate_section(score_matrices(runs), reps=reps, seed=seed)
    if plots:
        out += ["## Plots", ""]
        for title, path in plots:
            out += [f"![{title}]({path})", ""]
    return "\n".join(out).rstrip() + "\n"


def _algorithm_table(algo_runs: pd.DataFrame, algo: str) -> list[str]:
    out = [f"## {algo}", ""]
    out += ["| Environment | Score mean / std | Normalized score mean / std | N |"]
    out += ["| --- | --- | --- | --- |"]
    for env in sorted(algo_runs["env_id"].unique()):
        env_runs = algo_runs[algo_runs["env_id"] == env]
        out.append(
            f"| {env} | {_mean_std(env_runs['score'], 1)} | "
            f"{_mean_std(env_runs['normalized_score'], 3)} | {len(env_runs)} |"
        )
    return [*out, ""]


def _aggregate_section(matrices: dict[str, np.ndarray], *, reps: int, seed: int) -> list[str]:
    estimates = aggregate_estimates(matrices, reps=reps, seed=seed)
    if not estimates:
        return []
    out = [
        "## Aggregate normalized score",
        "",
        f"Point estimate [95% stratified-bootstrap CI] over all of an algorithm's runs and "
        f"environments ({reps} bootstrap repetitions, seed {seed}).",
        "",
        "| Algorithm | Mean | IQM | Runs x envs |",
        "| --- | --- | --- | --- |",
    ]
    for algo, est in estimates.items():
        shape = matrices[algo].shape
        out.append(
            f"| {algo} | {_interval(est['mean'])} | {_interval(est['iqm'])} | "
            f"{shape[0]} x {shape[1]} |"
        )
    return [*out, ""]


def _status_section(frame: pd.DataFrame) -> list[str]:
    out = [
        "## Run status",
        "",
        "Not every run completed; only COMPLETED runs are scored below.",
        "",
    ]
    counts = frame["status"].value_counts()
    out += ["| Status | Runs |", "| --- | --- |"]
    out += [f"| {status} | {count} |" for status, count in counts.items()]
    out.append("")
    table = frame.pivot_table(
        index=["algo", "env_id"], columns="status", values="seed", aggfunc="count", fill_value=0
    )
    statuses = list(table.columns)
    out.append("| Algorithm | Environment | " + " | ".join(statuses) + " |")
    out.append("| --- | --- | " + " | ".join("---" for _ in statuses) + " |")
    for (algo, env), row in table.iterrows():
        out.append(f"| {algo} | {env} | " + " | ".join(str(int(row[s])) for s in statuses) + " |")
    out.append("")
    return out


def _mean_std(values: pd.Series, digits: int) -> str:
    values = values.astype(float)
    return f"{values.mean():.{digits}f} / {values.std(ddof=0):.{digits}f}"


def _interval(estimate: tuple[float, float, float]) -> str:
    point, low, high = estimate
    return f"{point:.3f} [{low:.3f}, {high:.3f}]"
