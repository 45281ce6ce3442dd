"""A tuning job from start to report.

Check it, open the study, run trials (here and in worker processes), then phase 2 once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from pathlib import Path

from imitation_mlflow.run.prepare import prepare
from imitation_mlflow.run.request import RunRequest
from imitation_mlflow.suite.pool import ProcessPool
from imitation_mlflow.tuning.job import TuningJob
from imitation_mlflow.tuning.result import TuningResult
from imitation_mlflow.tuning.study import (
    Study,
    mark_interrupted,
    open_study,
    run_phase1,
    run_phase2,
)

log = logging.getLogger(__name__)


def check_job(job: TuningJob) -> None:
    """Refuse, before the study starts, what a trial's run would refuse.

    The config, the environment, the expert, the demonstrations; what this fetches or rolls
    out is cached for the trials.
    """
    config = job.run_config(job.space.config_values({}), seed=0)
    request = RunRequest(algo=job.algo, config=config, env_name=job.env, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        prepare(request, Path(tmp))


@dataclasses.dataclass(frozen=True)
class TuningOutcome:
    """The study after this worker's part, and phase 2's result when this worker ran it."""

    study: Study
    result: TuningResult | None
    failed_workers: int


def run_tuning(
    job: TuningJob, *, workers: list[list[str]], phase1_only: bool, progress: bool
) -> TuningOutcome:
    """Run ``job``'s trials here and in the ``workers``, then phase 2 unless ``phase1_only``.

    ``workers`` are the commands of trials-only copies of this job.

    Ctrl-C / SIGTERM stops the workers, marks this worker's trial failed in optuna and its
    runs KILLED, and re-raises; completed trials stay in the storage.
    """
    # Dozens of runs each log a model: MLflow's per-download progress bars would drown the log.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    study = open_study(job)
    try:
        with ProcessPool(len(workers)) as pool:
            pool.submit({f"worker-{i}": command for i, command in enumerate(workers, start=1)})
            run_phase1(study, progress=progress and not workers)
            failed = len(pool.wait().failed)
        if failed:
            log.error("%d worker process(es) failed; see their output", failed)
        result = None if phase1_only else run_phase2(study)
    except KeyboardInterrupt:
        mark_interrupted(study)
        raise
    return TuningOutcome(study, result, failed)
