"""Runs, start to end: prepare, then in an MLflow run each record, build, train, score, record.

A user's mistake stops it in ``prepare``, before any MLflow run exists; any later failure
ends the MLflow run FAILED with the traceback in its ``cout.txt``. Several seeds of one
config (BC, DAgger) run in one process and train together, each still its own MLflow run;
a failure of one seed's own steps fails that seed's run only.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import functools
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from imitation_mlflow.config import to_dict
from imitation_mlflow.config.registry import algorithm
from imitation_mlflow.config.sections import CommonConfig
from imitation_mlflow.errors import UserError
from imitation_mlflow.run.build import build, training_venv
from imitation_mlflow.run.console import captured, logged_at_exit
from imitation_mlflow.run.prepare import RunInputs, prepare
from imitation_mlflow.run.record import record_result, record_start, report_times
from imitation_mlflow.run.request import RunRequest
from imitation_mlflow.run.score import ScoreCard, score
from imitation_mlflow.run.train import SeedTraining, TrainReport, train
from imitation_mlflow.tracking.run import TrackedRun, tracked_run

EVALUATION_THREADS = 2
"""Seeds evaluated at once after training together (this machine's two cores)."""


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
    return run_experiments([request])[0]


def run_experiments(requests: Sequence[RunRequest]) -> list[RunOutcome]:
    """Make each request (seeds of one config) its own MLflow run, in this process.

    Algorithms that batch seeds train them together; the others run one after another.
    Everything is checked, for every seed, before the first MLflow run starts.
    """
    check_batch(requests)
    if len(requests) > 1 and not algorithm(requests[0].algo).batches_seeds:
        return [run_experiment(request) for request in requests]
    torch.set_num_threads(1)  # small MLPs: a second thread costs more than it gives
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="imitation-run-") as tmp, captured(Path(tmp)) as log:
        root = Path(tmp)
        workdirs = [_workdir(root, k) for k in range(len(requests))]
        inputs = [prepare(request, dir_) for request, dir_ in zip(requests, workdirs, strict=True)]
        _check_same_expert(inputs)
        seeds = [_Seed(one, dir_) for one, dir_ in zip(inputs, workdirs, strict=True)]
        try:
            with contextlib.ExitStack() as stack:
                for seed in seeds:
                    seed.open(stack, log)
                _train_and_score(seeds, started)
        except KeyboardInterrupt:
            for seed in seeds:
                seed.ended("INTERRUPTED", "interrupted")
        except Exception:  # e.g. the tracking store went away: the runs could not be ended
            for seed in seeds:
                seed.ended("FAILED", traceback.format_exc())
        return [seed.outcome() for seed in seeds]


def check_batch(requests: Sequence[RunRequest]) -> None:
    """Refuse a batch that is not the seeds of one config (``UserError``)."""
    if not requests:
        raise UserError("no run to make: give at least one seed")
    if len(requests) == 1:
        return
    if any(request.resume_run_id for request in requests):
        raise UserError("--resume continues one run: drop --seeds")
    first = requests[0]
    shared = _without_seed(first)
    seen = set()
    for request in requests:
        if request.config.seed in seen:
            raise UserError(f"seed {request.config.seed} is given twice")
        seen.add(request.config.seed)
        if request.algo != first.algo or _without_seed(request) != shared:
            raise UserError("seeds run together only with one algorithm and config")


def _without_seed(request: RunRequest) -> tuple[Any, ...]:
    config = {k: v for k, v in to_dict(request.config).items() if k != "seed"}
    return (request.experiment, request.env_name, sorted(request.tags.items()), str(config))


def _check_same_expert(inputs: Sequence[RunInputs]) -> None:
    shas = {one.expert.ref.sha256 for one in inputs}
    if len(shas) > 1:
        raise UserError(f"the seeds resolved different experts ({', '.join(sorted(shas))})")


def _workdir(root: Path, index: int) -> Path:
    path = root / f"seed-{index}"
    path.mkdir()
    return path


class _Seed:
    """One request's MLflow run through the steps, and how it ended."""

    def __init__(self, inputs: RunInputs, workdir: Path) -> None:
        self.inputs = inputs
        self.workdir = workdir
        self.stack = contextlib.ExitStack()
        self.tracked: TrackedRun | None = None
        self.training: SeedTraining | None = None
        self.status = "RUNNING"
        self.trace: str | None = None
        self.result: dict[str, Any] | None = None
        self.metrics: dict[str, float] = {}

    def open(self, outer: contextlib.ExitStack, console: Path) -> None:
        """Start (or reopen) the MLflow run, to end when this seed is done.

        At the latest it ends when ``outer`` closes (KILLED on Ctrl-C); either way the
        console goes up as its ``cout.txt``.
        """
        request = self.inputs.request
        outer.enter_context(self.stack)
        self.tracked = self.stack.enter_context(
            tracked_run(
                experiment=request.experiment,
                run_name=request.run_name,
                tags=self.inputs.tags(),
                resume_run_id=request.resume_run_id,
            )
        )
        earlier = self.inputs.resume.cout if self.inputs.resume else ""
        self.stack.enter_context(logged_at_exit(self.tracked, console, earlier))

    @property
    def live(self) -> bool:
        """Still running: neither finished nor failed."""
        return self.status == "RUNNING"

    def attempt(self, step: Callable[[], None]) -> None:
        """Run one of this seed's steps; an exception fails this seed's run only."""
        try:
            step()
        except Exception:
            self.fail(traceback.format_exc())

    def fail(self, trace: str) -> None:
        """End the run FAILED, with ``trace`` in its ``cout.txt``."""
        print(trace)
        self.status, self.trace = "FAILED", trace
        if self.tracked is not None:
            self.tracked.mark_failed()
        self.stack.close()

    def complete(self, result: dict[str, Any], metrics: dict[str, float]) -> None:
        """End the run FINISHED with its result."""
        self.status, self.result, self.metrics = "COMPLETED", result, metrics
        self.stack.close()

    def ended(self, status: str, trace: str) -> None:
        """The process stopped the runs still going (their MLflow runs already ended)."""
        if self.live:
            self.status, self.trace = status, trace

    def outcome(self) -> RunOutcome:
        """The sacred-style outcome."""
        run_id = self.tracked.run_id if self.tracked is not None else None
        return RunOutcome(
            run_id, self.status, self.inputs.config, self.result, self.metrics, self.trace
        )


def _train_and_score(seeds: list[_Seed], started: float) -> None:
    with contextlib.ExitStack() as envs:
        for seed in seeds:
            seed.attempt(functools.partial(_build, seed, envs))
        live = [seed for seed in seeds if seed.live and seed.training is not None]
        if not live:
            return
        trainings = [seed.training for seed in live if seed.training is not None]
        try:
            report = train(trainings, progress=live[0].inputs.request.progress)
        except Exception:
            trace = traceback.format_exc()
            for seed in live:
                seed.fail(trace)
            return
        threads = min(EVALUATION_THREADS, len(live))
        with concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="evaluate") as pool:
            cards = [pool.submit(_evaluate, seed) for seed in live]
            for seed, card in zip(live, cards, strict=True):
                seed.attempt(functools.partial(_record, seed, card, report, started))


def _build(seed: _Seed, envs: contextlib.ExitStack) -> None:
    assert seed.tracked is not None
    record_start(seed.tracked, seed.inputs)
    venv = envs.enter_context(contextlib.closing(training_venv(seed.inputs)))
    training = build(seed.inputs, venv, seed.tracked.metrics)
    seed.training = SeedTraining(training, seed.inputs, venv, seed.tracked, seed.workdir)


def _evaluate(seed: _Seed) -> ScoreCard:
    """Score one seed's trained policy; runs in a thread beside the other seeds'.

    MuJoCo steps and torch kernels release the GIL, so two seeds' episodes use two cores
    (while the main thread records finished seeds); each draws its actions from its own
    generator, so the scores do not depend on how the threads interleave.
    """
    assert seed.training is not None
    return score(seed.training.training.algorithm.policy, seed.training.inputs)


def _record(
    seed: _Seed,
    evaluation: concurrent.futures.Future[ScoreCard],
    report: TrainReport,
    started: float,
) -> None:
    assert seed.training is not None
    one = seed.training
    card = evaluation.result()  # a failed evaluation raises here, failing this seed only
    times = report_times(report, started, time.perf_counter())
    record_result(one.tracked, one.inputs, one.training, one.venv, card, times, one.workdir)
    seed.complete(card.result(), {**card.metrics(), **times})
