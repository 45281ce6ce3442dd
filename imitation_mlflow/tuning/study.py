"""Run a tuning job: phase 1 (the optuna study, shared by all workers), phase 2 (once).

Phase 1: each trial samples a configuration, trains it with ``repeat`` seeds and reports
the running mean return after each, so the pruner can stop a bad trial early. Phase 2: the
last worker to finish re-evaluates the best configuration on fresh seeds, writes it as a
named config file and logs it. Every training run is an ordinary MLflow run, a child of its
trial's run, which is a child of the study's run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import statistics
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState
from tqdm import tqdm

from imitation_mlflow.errors import UserError
from imitation_mlflow.run.pipeline import run_experiment
from imitation_mlflow.run.request import RunRequest
from imitation_mlflow.tracking import tuning as tracking
from imitation_mlflow.tracking.contract import PARENT_TAG
from imitation_mlflow.tuning.job import TuningJob
from imitation_mlflow.tuning.result import TuningResult, write_named_config
from imitation_mlflow.tuning.storage import fail_stale_trials, mask_url, open_storage

log = logging.getLogger(__name__)

COUNTED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
"""Trials that use up the study's budget; failed ones (e.g. interrupted) are made up for."""


class TrialRunFailed(RuntimeError):
    """A training run of a trial failed; the trial is marked failed and the study goes on."""


def make_sampler(name: str, seed: int | None) -> optuna.samplers.BaseSampler:
    """The optuna sampler ``tpe`` or ``random``."""
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise UserError(f"unknown sampler {name!r}; valid choices: random, tpe")


def make_pruner(name: str) -> optuna.pruners.BasePruner:
    """The optuna pruner ``median`` (stop trials below the median so far) or ``none``."""
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=0)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise UserError(f"unknown pruner {name!r}; valid choices: median, none")


@dataclasses.dataclass
class Study:
    """An open study: the optuna study, its storage and the MLflow parent run."""

    job: TuningJob
    storage: BaseStorage
    optuna_study: optuna.Study
    parent_run_id: str


def open_study(job: TuningJob) -> Study:
    """Create or join the job's study (checking an existing one is the same job) and its run."""
    storage = open_storage(job.storage_url)
    study = optuna.create_study(
        study_name=job.study_name,
        storage=storage,
        sampler=make_sampler(job.sampler, job.sampler_seed),
        pruner=make_pruner(job.pruner),
        direction="maximize",
        load_if_exists=True,
    )
    description = json.loads(json.dumps(job.description()))  # as the storage returns it
    described = study.user_attrs.get("job")
    if described is None:
        study.set_user_attr("job", description)
    elif described != description:
        raise UserError(
            f"study {job.study_name!r} in {mask_url(job.storage_url)} was started for another "
            f"job ({described['algo']} on {described['env']}, repeat {described['repeat']}, "
            "its own search space and --set values); pick another --study-name"
        )
    parent = tracking.open_study_run(
        job.experiment,
        job.study_name,
        tags={"algo": job.algo, "env": job.env},
        params={
            "algo": job.algo,
            "env": job.env,
            "trials": str(job.n_trials),
            "repeat": str(job.repeat),
            "eval_seeds": str(job.eval_seeds),
            "sampler": job.sampler,
            "pruner": job.pruner,
            "storage": mask_url(job.storage_url),
            **{f"set.{k}": repr(v) for k, v in job.sets.items()},
        },
    )
    if described is None:
        tracking.log_json_artifact(parent, job.description(), "tuning_job.json")
    return Study(job, storage, study, parent)


def budget_left(study: Study) -> int:
    """Trials still to start: the total minus completed, pruned and running ones."""
    counted = study.optuna_study.get_trials(deepcopy=False, states=COUNTED)
    return study.job.n_trials - len(counted)


def run_phase1(study: Study, *, progress: bool = True) -> None:
    """Run trials until the study's total is reached (counting every worker's trials)."""
    job = study.job
    if budget_left(study) <= 0:
        log.info("study %s already has its %d trials", job.study_name, job.n_trials)
        return
    tracking.mark_running(study.parent_run_id)
    done_states = (TrialState.COMPLETE, TrialState.PRUNED)
    bar = tqdm(
        total=job.n_trials,
        initial=len(study.optuna_study.get_trials(deepcopy=False, states=done_states)),
        desc=f"trials of {job.study_name}",
        unit="trial",
        disable=not progress,
    )

    def after_trial(optuna_study: optuna.Study, trial: FrozenTrial) -> None:
        bar.n = len(optuna_study.get_trials(deepcopy=False, states=done_states))
        failed = len(optuna_study.get_trials(deepcopy=False, states=(TrialState.FAIL,)))
        bar.set_postfix(failed=failed, best=_best_value(optuna_study))
        bar.refresh()
        if budget_left(study) <= 0:
            optuna_study.stop()
        elif failed >= job.n_trials:
            log.error("%d trials failed; stopping (see the failed runs' cout.txt)", failed)
            optuna_study.stop()

    try:
        study.optuna_study.optimize(
            _objective(study), catch=(TrialRunFailed,), callbacks=[after_trial]
        )
    finally:
        bar.close()


def _best_value(optuna_study: optuna.Study) -> str:
    try:
        return f"{optuna_study.best_value:.4g}"
    except ValueError:
        return "-"


def _objective(study: Study) -> Callable[[optuna.Trial], float]:
    job = study.job

    def objective(trial: optuna.Trial) -> float:
        values = job.space.suggest(trial)
        run_id = tracking.start_trial_run(
            study.parent_run_id,
            f"trial-{trial.number}",
            tags={tracking.KIND_TAG: "trial", "trial": str(trial.number), "algo": job.algo},
        )
        trial.set_user_attr("mlflow_run_id", run_id)
        tracking.log_values(run_id, params=trial.params)
        returns: list[float] = []
        scores: list[float] = []
        try:
            for step, seed in enumerate(job.trial_seeds(trial.number)):
                metrics = _train(job, values, seed, run_id, {"tuning_trial": str(trial.number)})
                returns.append(metrics["imit_return_mean"])
                scores.append(metrics["normalized_score"])
                tracking.log_values(
                    run_id,
                    metrics={"return": returns[-1], "normalized_score": scores[-1]},
                    step=step,
                )
                trial.report(statistics.fmean(returns), step)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"mean return {statistics.fmean(returns):.4g}")
        except optuna.TrialPruned:
            _end_trial_run(run_id, "PRUNED", "FINISHED", returns, scores)
            raise
        except KeyboardInterrupt:
            _end_trial_run(run_id, "FAIL", "KILLED", returns, scores)
            raise
        except BaseException:
            _end_trial_run(run_id, "FAIL", "FAILED", returns, scores)
            raise
        trial.set_user_attr("returns", returns)
        trial.set_user_attr("normalized_score_mean", statistics.fmean(scores))
        _end_trial_run(run_id, "COMPLETE", "FINISHED", returns, scores)
        return statistics.fmean(returns)

    return objective


def _end_trial_run(
    run_id: str, state: str, status: str, returns: list[float], scores: list[float]
) -> None:
    metrics = {}
    if returns:
        metrics = {
            "return_mean": statistics.fmean(returns),
            "return_std": statistics.pstdev(returns),
            "normalized_score_mean": statistics.fmean(scores),
        }
    tracking.log_values(run_id, metrics=metrics, tags={"optuna_state": state})
    tracking.end_run(run_id, status)


def _train(
    job: TuningJob, values: dict[str, Any], seed: int, parent_run_id: str, tags: dict[str, str]
) -> dict[str, float]:
    request = RunRequest(
        algo=job.algo,
        config=job.run_config(values, seed),
        experiment=job.experiment,
        env_name=job.env,
        tags={PARENT_TAG: parent_run_id, tracking.STUDY_TAG: job.study_name, **tags},
        progress=False,
    )
    outcome = run_experiment(request)
    if outcome.status == "INTERRUPTED":
        raise KeyboardInterrupt
    if outcome.status != "COMPLETED":
        raise TrialRunFailed(
            f"run {outcome.run_id} (seed {seed}) failed:\n{(outcome.fail_trace or '')[-2000:]}"
        )
    return outcome.metrics


def phase2_name(study_name: str) -> str:
    """Name of the companion study holding phase 2's re-evaluations."""
    return f"{study_name}.phase2"


def run_phase2(study: Study) -> TuningResult | None:
    """Re-evaluate the best configuration once per study; ``None`` while others still work.

    Only a worker that sees no running trial claims phase 2 (creating its companion study
    is the atomic claim); a rerun after an interrupted phase 2 finishes the missing seeds.
    """
    job = study.job
    claim = _claim_phase2(study) if _phase1_is_over(study) else None
    if claim is None:
        return None
    values = job.space.config_values(claim.best.params)
    returns = _phase2_returns(claim.study)
    missing = [seed for seed in job.phase2_seeds() if seed not in returns]
    if missing:
        log.info(
            "phase 2: re-evaluating trial %d on %d fresh seeds", claim.best.number, len(missing)
        )
    for seed in tqdm(missing, desc="phase 2 seeds", unit="seed", disable=not missing):
        returns[seed] = _reevaluate(study, claim.study, values, seed)
    scores = [
        float(t.user_attrs["normalized_score"])
        for t in claim.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    ]
    best = claim.best
    result = TuningResult(
        job=job,
        best_trial=best.number,
        best_params=dict(best.params),
        config_values=job.config_values(values),
        phase1_return=float(best.value) if best.value is not None else float("nan"),
        returns=[returns[seed] for seed in job.phase2_seeds()],
        normalized_scores=scores,
    )
    path = write_named_config(result)
    if missing:
        _log_result(study, result, path)
    return result


def _phase1_is_over(study: Study) -> bool:
    """No trial runs in any worker (stale ones failed first) and the budget is spent."""
    fail_stale_trials(study.optuna_study, study.storage)
    running = study.optuna_study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if running:
        log.info(
            "%d trial(s) still running in other workers; the last one to finish runs phase 2",
            len(running),
        )
        return False
    if budget_left(study) > 0:
        log.info("the study is not complete (%d trials left); phase 2 waits", budget_left(study))
        return False
    return True


@dataclasses.dataclass(frozen=True)
class _Phase2:
    """The claimed companion study and the phase 1 trial it re-evaluates."""

    study: optuna.Study
    best: FrozenTrial


def _claim_phase2(study: Study) -> _Phase2 | None:
    """Create the companion study (the claim), or reopen an interrupted one nobody runs."""
    name, storage = phase2_name(study.job.study_name), study.storage
    best = _best_trial(study)
    try:
        phase2 = optuna.create_study(study_name=name, storage=storage, direction="maximize")
        phase2.set_user_attr("best_trial", best.number)
    except optuna.exceptions.DuplicatedStudyError:
        phase2 = optuna.load_study(study_name=name, storage=storage)
        if phase2.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            log.info("phase 2 is running in another worker")
            return None
        best = study.optuna_study.trials[int(phase2.user_attrs["best_trial"])]
    return _Phase2(phase2, best)


def _phase2_returns(phase2: optuna.Study) -> dict[int, float]:
    """Seed -> return of the re-evaluations done so far."""
    return {
        int(t.user_attrs["seed"]): float(t.value)
        for t in phase2.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.value is not None
    }


def _reevaluate(study: Study, phase2: optuna.Study, values: dict[str, Any], seed: int) -> float:
    """Train the best configuration on ``seed`` as a phase 2 trial; its return."""
    with warnings.catch_warnings():  # optuna warns that heartbeats expect optimize()
        warnings.filterwarnings("ignore", message="Heartbeat of storage")
        trial = phase2.ask()
    trial.set_user_attr("seed", seed)
    try:
        metrics = _train(
            study.job, values, seed, study.parent_run_id, {tracking.KIND_TAG: "reevaluation"}
        )
    except BaseException:
        phase2.tell(trial, state=TrialState.FAIL)
        raise
    trial.set_user_attr("normalized_score", metrics["normalized_score"])
    phase2.tell(trial, metrics["imit_return_mean"])
    return metrics["imit_return_mean"]


def _best_trial(study: Study) -> FrozenTrial:
    complete = study.optuna_study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise UserError(
            f"no trial of study {study.job.study_name!r} completed (all pruned or failed); "
            "see the failed trials' runs in MLflow, then rerun with more --trials"
        )
    return max(complete, key=lambda t: float(t.value or float("-inf")))


def _log_result(study: Study, result: TuningResult, path: Path) -> None:
    parent = study.parent_run_id
    trial_run = study.optuna_study.trials[result.best_trial].user_attrs["mlflow_run_id"]
    tracking.mark_best_trial(parent, str(trial_run), result.best_trial)
    tracking.log_values(
        parent,
        metrics={
            "best/phase1_return": result.phase1_return,
            "phase2/return_mean": result.return_mean,
            "phase2/return_std": result.return_std,
            "phase2/normalized_score_mean": result.normalized_score_mean,
        },
    )
    tracking.log_text_artifact(parent, path.read_text(), path.name)
    tracking.log_json_artifact(parent, result.summary(), "tuning_result.json")
    tracking.end_run(parent, "FINISHED")
    log.info("wrote %s", path)


def mark_interrupted(study: Study) -> None:
    """After Ctrl-C/SIGTERM: end the study's run as KILLED unless other workers still run."""
    running = study.optuna_study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not running:
        tracking.end_run(study.parent_run_id, "KILLED")


def trial_rows(study: Study) -> list[dict[str, Any]]:
    """Every trial of phase 1 as plain data: number, state, value, params, seeds' returns."""
    return [
        {
            "number": t.number,
            "state": t.state.name,
            "value": t.value,
            "params": dict(t.params),
            "returns": t.user_attrs.get("returns"),
        }
        for t in study.optuna_study.get_trials(deepcopy=False)
    ]
