"""A run, steps 2 and 6: what goes into its MLflow run once it exists, and at the end."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.config import flatten, to_dict
from imitation_mlflow.config.env_ids import repo_name
from imitation_mlflow.run.builders import Training
from imitation_mlflow.run.checkpoint import write_policy_files
from imitation_mlflow.run.prepare import RunInputs
from imitation_mlflow.run.score import ScoreCard
from imitation_mlflow.run.train import TrainReport
from imitation_mlflow.tracking.run import TrackedRun

log = logging.getLogger(__name__)

DIGEST_CHARS = 16
"""Characters of a demonstrations digest shown as the MLflow dataset digest (it holds 64)."""


def record_start(tracked: TrackedRun, inputs: RunInputs) -> None:
    """Log the resolved config and where every input came from.

    Params and ``config.json`` (a resumed run keeps its own); tags naming the expert, the
    demonstrations and the random reference, and the demonstrations as a dataset input.
    """
    if inputs.resume is None:
        tracked.log_params(flatten(inputs.config))
        tracked.log_json(to_dict(inputs.config), "config.json")
    else:
        tracked.set_tags({"resumed_from_round": str(inputs.resume.round)})
    demos = inputs.demonstrations
    tracked.log_dataset(
        name=f"{repo_name(inputs.config.environment.gym_id)}-demonstrations",
        source_uri=demos.uri,
        digest=demos.digest[:DIGEST_CHARS],
    )
    tracked.set_tags(
        {
            **inputs.expert.ref.tags(),
            "demonstrations_source": demos.origin,
            "demonstrations_digest": demos.digest,
            "expert_return": f"{demos.stats()['monitor_return_mean']:.6g}",
            "random_source": inputs.random.origin,
        }
    )


def record_result(
    tracked: TrackedRun,
    inputs: RunInputs,
    training: Training,
    venv: VecEnv,
    card: ScoreCard,
    times: dict[str, float],
    workdir: Path,
) -> None:
    """Log the scores and what the run learned.

    Final metrics (and ``times``), ``result.json``, the policy (``policy.zip`` and an MLflow
    model) and, for GAIL/AIRL, the learned reward under ``reward/``.
    """
    tracked.log_final_metrics({**card.metrics(), **times})
    tracked.log_json(card.result(), "result.json")
    policy_zip, *rewards = write_policy_files(workdir / "final", training.algorithm, venv)
    tracked.log_artifact(policy_zip)
    if rewards:  # GAIL/AIRL: the learned reward, with the policy it was learned beside
        for path in (*rewards, policy_zip):
            tracked.log_artifact(path, "reward")
    obs = inputs.demonstrations.trajectories[0].obs[:2].astype(np.float32)
    acts = training.algorithm.policy.predict(obs, deterministic=True)[0]
    tracked.log_policy_model(policy_zip, obs, acts, "policy")
    log.info(
        "run %s finished: return %.1f, normalized score %.3f",
        inputs.request.run_name,
        card.imitation["monitor_return_mean"],
        card.normalized_score,
    )


def report_times(report: TrainReport, started: float, now: float) -> dict[str, float]:
    """``time/train_seconds`` and ``time/total_seconds`` (from preparing to scoring)."""
    return {"time/train_seconds": report.seconds, "time/total_seconds": now - started}
