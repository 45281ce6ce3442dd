"""What ``tune`` prints: the best trials, and phase 2's result or why it is not there yet."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from imitation_mlflow.tuning.result import TuningResult, trials_table
from imitation_mlflow.tuning.study import Study, phase2_name, trial_rows


def print_report(
    study: Study, result: TuningResult | None, *, as_json: bool, echo: Callable[[str], None]
) -> None:
    """Print the study's state: trial counts, the best trials, and the re-evaluated best."""
    rows = trial_rows(study)
    job = study.job
    if as_json:
        echo(
            json.dumps(
                {
                    "study": job.study_name,
                    "mlflow_run_id": study.parent_run_id,
                    "trials": rows,
                    "result": result.summary() if result else None,
                },
                indent=2,
                default=str,
            )
        )
        return
    counts = Counter(row["state"] for row in rows)
    states = ", ".join(f"{n} {state.lower()}" for state, n in sorted(counts.items()))
    echo(f"study {job.study_name}: {len(rows)} trials ({states}); MLflow run {study.parent_run_id}")
    echo(trials_table(rows))
    if result is None:
        echo(
            f"phase 2 ({phase2_name(job.study_name)}) runs when the last trial ends; rerun this "
            "command then to see the result"
        )
        return
    echo(
        f"best: trial {result.best_trial} (phase 1 mean return {result.phase1_return:.4g} over "
        f"{job.repeat} seeds)"
    )
    echo(
        f"phase 2: return {result.return_mean:.4g} +- {result.return_std:.4g} over "
        f"{len(result.returns)} fresh seeds, normalized score {result.normalized_score_mean:.3f}"
    )
    path = job.output_dir / f"{result.config_name}.toml"
    echo(f"config: {path}  (imitation-mlflow train {job.algo} {job.env} --config-file {path})")
