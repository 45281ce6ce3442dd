"""One run, start to end: prepare, then in an MLflow run record, build, train, score, record.

A user's mistake stops it in ``prepare``, before any MLflow run exists; any later failure
ends the MLflow run FAILED with the traceback in its ``cout.txt``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import torch

from imitation_mlflow.config.sections import CommonConfig
from imitation_mlflow.run.build import build, training_venv
from imitation_mlflow.run.console import captured, logged_at_exit
from imitation_mlflow.run.prepare import RunInputs, prepare
from imitation_mlflow.run.record import record_result, record_start, report_times
from imitation_mlflow.run.request import RunRequest
from imitation_mlflow.run.score import score
from imitation_mlflow.run.train import train
from imitation_mlflow.tracking.run import TrackedRun, tracked_run


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What a finished (or failed) run returns: sacred-style status and result."""

    run_id: str | None
    status: str
    """``COMPLETED``, ``FAILED`` or ``INTERRUPTED`` (sacred's names)."""
    config: CommonConfig
    result: dict[str, Any] | None = None
    """The sacred ``result`` (``imit_stats``, ``expert_stats``, ...) of a completed run."""
    metrics: dict[str, float] = dataclasses.field(default_factory=dict)
    """The final metrics of a completed run."""
    fail_trace: str | None = None


def run_experiment(request: RunRequest) -> RunOutcome:
    """Make ``request`` one MLflow run and return its sacred-style outcome.

    User mistakes raise ``UserError`` before the MLflow run starts; failures during the run
    are recorded (FAILED status, traceback in ``cout.txt``) and returned, not raised.
    """
    torch.set_num_threads(1)  # small MLPs: a second thread costs more than it gives
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="imitation-run-") as tmp, captured(Path(tmp)) as log:
        workdir = Path(tmp)
        inputs = prepare(request, workdir)
        earlier = inputs.resume.cout if inputs.resume else ""
        tracked: TrackedRun | None = None
        try:
            with (
                tracked_run(
                    experiment=request.experiment,
                    run_name=request.run_name,
                    tags=inputs.tags(),
                    resume_run_id=request.resume_run_id,
                ) as tracked,
                logged_at_exit(tracked, log, earlier),
            ):
                return _train_and_score(inputs, tracked, workdir, started)
        except Exception:
            return _ended(request, tracked, "FAILED", traceback.format_exc())
        except KeyboardInterrupt:
            return _ended(request, tracked, "INTERRUPTED", "interrupted")


def _train_and_score(
    inputs: RunInputs, tracked: TrackedRun, workdir: Path, started: float
) -> RunOutcome:
    record_start(tracked, inputs)
    with contextlib.closing(training_venv(inputs)) as venv:
        training = build(inputs, venv, tracked.metrics)
        report = train(training, inputs, venv, tracked, workdir)
        card = score(training.algorithm.policy, inputs)
        times = report_times(report, started, time.perf_counter())
        record_result(tracked, inputs, training, venv, card, times, workdir)
    return RunOutcome(
        tracked.run_id,
        "COMPLETED",
        inputs.config,
        result=card.result(),
        metrics={**card.metrics(), **times},
    )


def _ended(request: RunRequest, tracked: TrackedRun | None, status: str, trace: str) -> RunOutcome:
    run_id = tracked.run_id if tracked is not None else None
    return RunOutcome(run_id, status, request.config, fail_trace=trace)
