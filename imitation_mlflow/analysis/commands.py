"""What ``summarize markdown`` and ``compare`` do, from a source name to files and numbers."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from imitation_mlflow.analysis.compare import Comparison, compare, pick_algo
from imitation_mlflow.analysis.frame import score_matrices
from imitation_mlflow.analysis.loading import is_folder_source, load_runs
from imitation_mlflow.analysis.report import summary_markdown
from imitation_mlflow.errors import UserError


@dataclasses.dataclass(frozen=True)
class Summary:
    """The files a markdown summary wrote and, for an experiment, the run holding them."""

    markdown: Path
    plots: list[Path]
    run_id: str | None
    """The ``analysis`` run the files were logged to (MLflow sources only)."""


def summarize_to_markdown(
    source: str, output: Path, *, suite: str | None, reps: int, seed: int, plots: bool
) -> Summary:
    """Write the markdown summary of ``source`` to ``output``, with its plots.

    Per-algorithm tables and aggregate Mean / IQM with 95% CIs, plots beside the file
    (``<stem>_plots/``); logged to MLflow as an ``analysis`` run (a child of ``suite`` when
    given) when ``source`` is an experiment.
    """
    from imitation_mlflow.analysis.plots import summary_plots  # matplotlib: only when asked

    _check_reps(reps)
    _check_output(output)
    frame = load_runs(source, suite=suite)
    images = []
    if plots:
        folder = Path(f"{output.with_suffix('')}_plots")
        images = summary_plots(frame, score_matrices(frame), folder, reps=reps, seed=seed)
    output.parent.mkdir(parents=True, exist_ok=True)
    links = [(title, os.path.relpath(path, output.parent)) for title, path in images]
    output.write_text(summary_markdown(frame, reps=reps, seed=seed, source=source, plots=links))
    written = [path for _, path in images]
    run_id = None
    if not is_folder_source(source):
        from imitation_mlflow.tracking.summaries import log_analysis_run  # MLflow

        run_id = log_analysis_run(
            source, f"summary-{output.stem}", [output, *written], parent_run_id=suite
        )
    return Summary(output, written, run_id)


def compare_sources(
    runs: str,
    baseline_runs: str,
    *,
    baseline_algo: str,
    algo: str | None,
    envs: list[str] | None,
    suite: str | None,
    reps: int,
    seed: int,
    plot: Path | None,
) -> Comparison:
    """Probability of improvement of ``runs`` over ``baseline_runs``, with 95% CIs.

    P(a run of ``algo`` beats a run of ``baseline_algo``) per environment and aggregate; a
    plot of it at ``plot`` when given.
    """
    _check_reps(reps)
    mine = load_runs(runs, suite=suite)
    theirs = load_runs(baseline_runs)
    chosen = pick_algo(mine, algo, "RUNS")
    pick_algo(theirs, baseline_algo, "BASELINE_RUNS")
    result = compare(
        mine, theirs, algo=chosen, baseline_algo=baseline_algo, envs=envs, reps=reps, seed=seed
    )
    if plot is not None:
        from imitation_mlflow.analysis.plots import plot_probability_of_improvement

        label = f"P({chosen} > {baseline_algo})"
        plot_probability_of_improvement(result.estimates, plot, label=label)
    return result


def _check_output(output: Path) -> None:
    """``output`` can be written: not a folder, and its nearest existing ancestor is one."""
    if output.is_dir():
        raise UserError(f"--output {str(output)!r} is a folder; name a markdown file")
    ancestor = output.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserError(f"--output {str(output)!r} lies under the file {str(ancestor)!r}")


def _check_reps(reps: int) -> None:
    if reps < 1:
        raise UserError(f"--reps must be at least 1 (got {reps})")
