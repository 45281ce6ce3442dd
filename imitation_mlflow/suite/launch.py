"""The three ways a suite runs: here (a process pool), as shell lines, or as a SLURM array.

Each opens (or finds again) the suite's parent run and leaves out the runs that already
FINISHED, so rerunning the same command continues the suite.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

from imitation_mlflow.config import parse_assignments
from imitation_mlflow.config.cache import cache_dir
from imitation_mlflow.config.sections import ExpertConfig
from imitation_mlflow.errors import UserError
from imitation_mlflow.run.checkpoint import STATE_FILE
from imitation_mlflow.suite.matrix import (
    QUICK_ENVS,
    QUICK_SEEDS,
    SuiteTask,
    check_entries,
    expand_matrix,
    shell_line,
    suite_name,
    suite_tasks,
    train_command,
)
from imitation_mlflow.suite.pool import PoolResult, ProcessPool
from imitation_mlflow.suite.reap import reap
from imitation_mlflow.suite.slurm import absolute_tracking_uri, slurm_script
from imitation_mlflow.tracking.contract import SUITE_TAG
from imitation_mlflow.tracking.suites import (
    child_statuses,
    close_suite_run,
    latest_children,
    open_suite_run,
    resumable_children,
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SuiteMatrix:
    """What a user asks of a suite (the options shared by the three benchmark commands)."""

    algos: str = "bc"
    envs: str = "all"
    seeds: int = 10
    seed_list: str | None = None
    sets: tuple[str, ...] = ()
    """``KEY=VALUE`` overrides, each passed to the runs whose config has the key."""
    quick: bool = False
    """Every algorithm on ``QUICK_ENVS`` with ``QUICK_SEEDS`` seeds."""
    force: bool = False
    """Rerun runs that already FINISHED."""
    batch_seeds: bool = True
    """Train the seeds of each BC/DAgger cell together, in one process."""
    name: str | None = None
    experiment: str = "imitation"


@dataclasses.dataclass(frozen=True)
class SuitePlan:
    """An opened suite: its parent run and the commands of the runs still to do."""

    parent_run_id: str
    commands: dict[str, list[str]]
    """Task name (the run name, or ``<algo>-<env>-s<seeds>`` for seeds together) -> its
    ``train`` command."""
    runs: dict[str, list[str]]
    """Task name -> the names of the runs it makes."""
    skipped: int
    """Runs left out because they already FINISHED."""
    running: int = 0
    """Runs left out because they are RUNNING elsewhere (their process is alive)."""
    reaped: int = 0
    """Phantom runs of this suite (RUNNING, process gone) that were ended KILLED to rerun."""
    resumed: int = 0
    """KILLED runs (stopped, or reaped) that continue from their newest checkpoint."""

    @property
    def run_count(self) -> int:
        """Runs still to do."""
        return sum(len(names) for names in self.runs.values())


def plan_suite(matrix: SuiteMatrix, *, check_experts: bool = False) -> SuitePlan:
    """Check the matrix, open the parent, drop FINISHED runs and runs alive elsewhere.

    Every run's config must build; with ``check_experts`` (runs on this machine) every
    environment's expert must also resolve and load here, before the parent exists.
    The suite's phantom runs (RUNNING, their process gone) are ended KILLED; KILLED runs
    with a complete checkpoint continue from it into the same MLflow run (``--resume``),
    other unfinished ones run again.
    """
    parse_assignments(matrix.sets)  # a malformed KEY=VALUE fails before anything
    if matrix.quick:
        matrix = dataclasses.replace(
            matrix, algos="all", envs=",".join(QUICK_ENVS), seeds=QUICK_SEEDS, seed_list=None
        )
    entries = expand_matrix(matrix.algos, matrix.envs, matrix.seeds, matrix.seed_list)
    configs = check_entries(entries, matrix.sets)
    if check_experts:
        check_experts_elsewhere({(c.environment.gym_id, c.expert) for c in configs})
    params = {
        "algos": matrix.algos,
        "envs": matrix.envs,
        "seeds": ",".join(sorted({str(e.seed) for e in entries})),
        "sets": " ".join(matrix.sets),
        "runs": len(entries),
    }
    name = matrix.name or suite_name(entries, matrix.sets)
    parent = open_suite_run(matrix.experiment, name, params)
    reaping = reap([matrix.experiment], where=f"tags.{SUITE_TAG} = '{parent}'")
    alive = {run.run_name for run in reaping.alive}
    latest = {} if matrix.force else latest_children(parent)
    statuses = {name: status for name, (_, status) in latest.items()}
    todo = [
        e for e in entries if statuses.get(e.run_name) != "FINISHED" and e.run_name not in alive
    ]
    running = sum(e.run_name in alive for e in entries)
    resumable = resumable_children(latest, STATE_FILE)
    resumes = [
        SuiteTask(e.algo, e.env, (e.seed,), resumable[e.run_name])
        for e in todo
        if e.run_name in resumable
    ]
    fresh = [e for e in todo if e.run_name not in resumable]
    tasks = resumes + suite_tasks(fresh, batch_seeds=matrix.batch_seeds)
    commands = {
        task.name: train_command(
            task, experiment=matrix.experiment, suite_run_id=parent, sets=matrix.sets
        )
        for task in tasks
    }
    runs = {task.name: task.run_names for task in tasks}
    skipped = len(entries) - len(todo) - running
    return SuitePlan(
        parent, commands, runs, skipped, running, len(reaping.killed), resumed=len(resumes)
    )


def check_experts_elsewhere(experts: set[tuple[str, ExpertConfig]]) -> None:
    """Resolve and load each ``(env id, expert settings)`` in a short-lived child process.

    A missing or mismatched expert raises its ``UserError`` here, before the parent run
    exists, and the suite's own process (alive for the whole suite) never loads torch.
    """
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as child:
        child.submit(_load_experts, sorted(experts, key=lambda pair: pair[0])).result()


def _load_experts(experts: list[tuple[str, ExpertConfig]]) -> None:
    from imitation_mlflow.experts.resolve import load_checked_expert  # torch: in the child

    for gym_id, settings in experts:
        load_checked_expert(gym_id, settings)


@dataclasses.dataclass(frozen=True)
class SuiteResult:
    """What a local suite did."""

    plan: SuitePlan
    pool: PoolResult
    logs: Path
    """Folder of the per-task logs (``<task name>.log``)."""
    finished: int
    """Runs of this invocation that FINISHED."""
    failed: int
    """Runs of this invocation that did not."""


def run_suite(
    matrix: SuiteMatrix,
    *,
    jobs: int,
    progress: bool = True,
    on_plan: Callable[[SuitePlan], None] | None = None,
) -> SuiteResult:
    """Run the suite on this machine, ``jobs`` processes at a time, under its parent run.

    ``on_plan`` hears what will run before it starts. Shows done / running / failed /
    remaining; Ctrl-C or SIGTERM stops the running processes (their runs and the parent
    end KILLED) and re-raises.
    """
    if jobs < 1:
        raise UserError(f"--jobs must be at least 1 (got {jobs})")
    plan = plan_suite(matrix, check_experts=True)
    if on_plan is not None:
        on_plan(plan)
    logs = cache_dir() / "suite-logs" / plan.parent_run_id
    try:
        with (
            ProcessPool(jobs, log_dir=logs) as pool,
            tqdm(total=plan.run_count, desc="suite", unit="run", disable=not progress) as bar,
        ):
            pool.submit(plan.commands)

            def show() -> None:
                ended = [*pool.result.finished, *pool.result.failed]
                bar.n = sum(len(plan.runs[name]) for name in ended)
                bar.set_postfix(ordered_dict=pool.counts(), refresh=True)

            show()
            result = pool.wait(on_change=show)
    except BaseException:
        close_suite_run(plan.parent_run_id, finished=0, failed=0, killed=True)
        raise
    statuses = child_statuses(plan.parent_run_id)
    ran = [name for names in plan.runs.values() for name in names]
    finished = sum(statuses.get(name) == "FINISHED" for name in ran)
    close_suite_run(
        plan.parent_run_id, finished=finished + plan.skipped, failed=len(ran) - finished
    )
    return SuiteResult(plan, result, logs, finished=finished, failed=len(ran) - finished)


def suite_commands(matrix: SuiteMatrix) -> list[str]:
    """One shell line per run (or cell of seeds together) still to do, e.g. for GNU parallel.

    The parent run is closed at once, counting the runs that already FINISHED; the runs name
    it as their parent.
    """
    plan = plan_suite(matrix)
    close_suite_run(plan.parent_run_id, finished=plan.skipped, failed=0)
    return [shell_line(command) for command in plan.commands.values()]


@dataclasses.dataclass(frozen=True)
class SlurmScript:
    """A written job-array script."""

    path: Path
    tasks: int
    skipped: int


def write_slurm_script(
    matrix: SuiteMatrix,
    *,
    output: Path,
    max_concurrent: int,
    log_dir: Path,
    sbatch_options: tuple[str, ...] = (),
) -> SlurmScript:
    """Write an ``sbatch`` job array with one task per run (or cell of seeds) still to do.

    At most ``max_concurrent`` tasks run at once; logs go to ``log_dir``. Submit it with
    ``sbatch``.
    """
    if max_concurrent < 1:
        raise UserError(f"--max-concurrent must be at least 1 (got {max_concurrent})")
    if not output.parent.is_dir():
        raise UserError(f"--output {str(output)!r}: folder {str(output.parent)!r} does not exist")
    plan = plan_suite(matrix)
    close_suite_run(plan.parent_run_id, finished=plan.skipped, failed=0)
    script = slurm_script(
        [shell_line(c) for c in plan.commands.values()],
        job_name="imitation-suite",
        concurrency=max_concurrent,
        log_dir=log_dir.resolve(),
        workdir=Path.cwd(),
        tracking_uri=absolute_tracking_uri(),
        extra_sbatch=sbatch_options,
    )
    log_dir.mkdir(parents=True, exist_ok=True)
    output.write_text(script)
    return SlurmScript(output, len(plan.commands), plan.skipped)
