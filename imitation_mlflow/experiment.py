"""One run: config -> envs, expert, demonstrations -> algorithm -> evaluation -> tracking."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import socket
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.policies import save_policy_zip
from imitation_mlflow.capture import capture_output
from imitation_mlflow.config import CommonConfig, env_config_for, flatten, to_dict
from imitation_mlflow.data import trajectory_stats
from imitation_mlflow.data.demonstrations import Demonstrations
from imitation_mlflow.envs import check_env_id, make_venv
from imitation_mlflow.errors import UserError, unknown_choice
from imitation_mlflow.evaluation import evaluate, normalized_score
from imitation_mlflow.experts.demonstrations import (
    conform_to_env,
    expert_demonstrations,
    rollout_num_vec,
)
from imitation_mlflow.experts.hub import download_demonstrations, hub_repo_id
from imitation_mlflow.experts.store import (
    ExpertRef,
    check_expert_matches_env,
    load_expert,
    resolve_expert,
)
from imitation_mlflow.paths import repo_name
from imitation_mlflow.reference_scores import random_reference
from imitation_mlflow.seeding import RunSeeds
from imitation_mlflow.tracking.checkpoints import Checkpoint
from imitation_mlflow.tracking.models import log_policy_model
from imitation_mlflow.tracking.run import TrackedRun, tracked_run
from imitation_mlflow.trainers import (
    TRAIN_SCRIPT,
    TRAINERS,
    RunContext,
    config_class,
    validate_algo_config,
)

log = logging.getLogger(__name__)

DEFAULT_EXPERIMENT = "imitation"

DEMO_SOURCES = ("rollout", "hub")

DIGEST_CHARS = 16
"""Characters of a demonstrations digest shown as the MLflow dataset digest (it holds 36)."""


@dataclasses.dataclass
class RunOutcome:
    """What a finished (or failed) run returns: sacred-style status and result."""

    run_id: str | None
    status: str
    """``COMPLETED``, ``FAILED`` or ``INTERRUPTED`` (sacred's names)."""
    result: dict[str, Any] | None
    metrics: dict[str, float]
    config: CommonConfig
    fail_trace: str | None = None


def validate(algo: str, config: CommonConfig) -> tuple[ExpertRef, PPO]:
    """Check everything a user can get wrong before any work starts; load the expert."""
    if algo not in TRAINERS:
        raise unknown_choice("algorithm", algo, list(TRAINERS))
    if not isinstance(config, config_class(algo)):
        raise UserError(f"{algo} runs with a {config_class(algo).__name__}")
    check_env_id(config.environment.gym_id)
    validate_algo_config(algo, config)
    for key, value in (
        ("environment.num_vec", config.environment.num_vec),
        ("demonstrations.n_expert_demos", config.demonstrations.n_expert_demos),
        ("policy_evaluation.n_episodes_eval", config.policy_evaluation.n_episodes_eval),
    ):
        if value < 1:
            raise UserError(f"{key} must be at least 1 (got {value})")
    ref = resolve_expert(
        config.environment.gym_id,
        config.expert.path,
        source=config.expert.source,
        repo_id=config.expert.repo_id,
        revision=config.expert.revision,
    )
    expert = load_expert(ref)
    check_expert_matches_env(expert, config.environment.gym_id, ref)
    return ref, expert


def run_experiment(
    algo: str,
    config: CommonConfig,
    *,
    experiment: str = DEFAULT_EXPERIMENT,
    env_name: str | None = None,
    extra_tags: dict[str, str] | None = None,
    progress: bool = True,
    resume: Checkpoint | None = None,
) -> RunOutcome:
    """Run ``algo`` with ``config`` as one MLflow run and return its sacred-style outcome.

    User mistakes raise ``UserError`` before the run starts; failures during the run are
    recorded (FAILED status, traceback in ``cout.txt``) and returned, not raised.
    """
    expert_ref, expert = validate(algo, config)
    hub_inputs = HubInputs(hub_demonstrations(config), hub_random_reference(config))
    if resume is not None and TRAIN_SCRIPT[algo] != "train_adversarial":
        raise UserError(f"--resume continues GAIL and AIRL runs; {algo} runs are short")
    env_name = env_name or env_config_for(config.environment.gym_id)
    run_name = f"{algo}-{env_name}-s{config.seed}"
    tags = {
        "algo": algo,
        "env_id": config.environment.gym_id,
        "env": env_name,
        "seed": str(config.seed),
        "train_script": TRAIN_SCRIPT[algo],
        "host": socket.gethostname(),
        **(extra_tags or {}),
    }
    run_id: str | None = None
    try:
        with tracked_run(
            experiment=experiment,
            run_name=run_name,
            tags=tags,
            resume_run_id=resume.run_id if resume else None,
        ) as tracked:
            run_id = tracked.run_id
            with tempfile.TemporaryDirectory() as tmp:
                cout = Path(tmp) / "cout.txt"
                cout.write_text(resume.cout if resume else "")
                try:
                    with capture_output(cout), _traceback_in_log():
                        if resume is None:
                            log.info("run %s (%s) started", run_name, run_id)
                            tracked.log_params(flatten(config))
                            tracked.log_json(to_dict(config), "config.json")
                        else:
                            log.info("run %s resumed after round %d", run_id, resume.round)
                            tracked.set_tags({"resumed_from_round": str(resume.round)})
                        tracked.set_tags(expert_ref.tags())
                        result, metrics, policy_zip, example = _execute(
                            algo,
                            config,
                            (expert_ref, expert),
                            hub_inputs,
                            tracked,
                            progress,
                            Path(tmp),
                            resume,
                        )
                        tracked.log_final_metrics(metrics)
                        tracked.log_json(result, "result.json")
                        tracked.log_artifact(policy_zip)
                        log_policy_model(policy_zip, *example)
                        log.info(
                            "run %s finished: return %.1f, normalized score %.3f",
                            run_name,
                            metrics["imit_return_mean"],
                            metrics["normalized_score"],
                        )
                finally:
                    tracked.log_artifact(cout)
    except Exception:
        return RunOutcome(run_id, "FAILED", None, {}, config, fail_trace=traceback.format_exc())
    except KeyboardInterrupt:
        return RunOutcome(run_id, "INTERRUPTED", None, {}, config, fail_trace="interrupted")
    return RunOutcome(run_id, "COMPLETED", result, metrics, config)


@contextlib.contextmanager
def _traceback_in_log() -> Iterator[None]:
    """Print any exception's traceback inside the captured output (``cout.txt``)."""
    try:
        yield
    except BaseException:
        traceback.print_exc()
        raise


def hub_demonstrations(config: CommonConfig) -> Demonstrations | None:
    """With ``demonstrations.source=hub``, fetch them before the run (errors are the user's)."""
    if config.demonstrations.source == "rollout":
        return None
    if config.demonstrations.source != "hub":
        raise unknown_choice("demonstrations source", config.demonstrations.source, DEMO_SOURCES)
    repo_id = config.expert.repo_id or hub_repo_id(config.environment.gym_id)
    demos = download_demonstrations(repo_id, None, config.demonstrations.n_expert_demos)
    return conform_to_env(demos, config.environment.gym_id)


@dataclasses.dataclass(frozen=True)
class HubInputs:
    """What a run takes from the hub, fetched before it starts so hub errors are the user's."""

    demos: Demonstrations | None
    random: tuple[dict[str, float], str] | None
    """Random-policy statistics and the dataset URI they summarise."""


def hub_random_reference(config: CommonConfig) -> tuple[dict[str, float], str] | None:
    """With ``policy_evaluation.random_source=hub``, the hub random dataset's statistics."""
    eval_cfg = config.policy_evaluation
    if eval_cfg.random_source == "rollout":
        return None
    return random_reference(
        config.environment.gym_id, eval_cfg.random_episodes, eval_cfg.random_source
    )


def _execute(
    algo: str,
    config: CommonConfig,
    expert_and_ref: tuple[ExpertRef, PPO],
    hub_inputs: HubInputs,
    tracked: TrackedRun,
    progress: bool,
    workdir: Path,
    resume: Checkpoint | None,
) -> tuple[dict[str, Any], dict[str, float], Path, tuple[np.ndarray, np.ndarray]]:
    torch.set_num_threads(1)  # small MLPs: a second thread costs more than it gives
    seeds = RunSeeds.from_root(config.seed)
    env_cfg = config.environment
    started = time.perf_counter()

    def venv(seed: int, episodes: int | None = None) -> VecEnv:
        num_vec = env_cfg.num_vec
        if episodes is not None:
            num_vec = rollout_num_vec(episodes, env_cfg.rollout_num_vec)
        return make_venv(
            env_cfg.gym_id,
            num_vec=num_vec,
            seed=seed,
            parallel=env_cfg.parallel,
            max_episode_steps=env_cfg.max_episode_steps,
        )

    expert_ref, expert = expert_and_ref
    demos = hub_inputs.demos or expert_demonstrations(
        expert,
        expert_sha256=expert_ref.sha256,
        gym_id=env_cfg.gym_id,
        n_episodes=config.demonstrations.n_expert_demos,
        seed=config.seed,
        deterministic=config.demonstrations.deterministic,
        num_vec=env_cfg.rollout_num_vec,
        max_episode_steps=env_cfg.max_episode_steps,
        parallel=env_cfg.parallel,
        progress=progress,
    )
    log.info(
        "%d demonstrations (%s, digest %s)", len(demos.trajectories), demos.source, demos.digest
    )
    demonstrations = demos.trajectories
    expert_stats = trajectory_stats(demonstrations)
    tracked.log_dataset(
        name=f"{repo_name(env_cfg.gym_id)}-demonstrations",
        source_uri=demos.uri,
        digest=demos.digest[:DIGEST_CHARS],
    )
    tracked.set_tags(
        {
            "demonstrations_source": demos.source,
            "demonstrations_digest": demos.digest,
            "expert_return": f"{expert_stats['monitor_return_mean']:.6g}",
        }
    )
    random_stats, random_source = hub_inputs.random or random_reference(
        env_cfg.gym_id, config.policy_evaluation.random_episodes
    )
    tracked.set_tags({"random_source": random_source})
    train_venv = venv(seeds.env)
    ctx = RunContext(
        config=config,
        seeds=seeds,
        venv=train_venv,
        expert=expert,
        demonstrations=demonstrations,
        logger=tracked.metrics,
        progress=progress,
        workdir=workdir,
        save_artifact=tracked.log_artifact,
        resume=resume,
    )
    log.info("training %s", algo)
    train_started = time.perf_counter()
    policy = TRAINERS[algo](ctx)
    train_seconds = time.perf_counter() - train_started
    eval_cfg = config.policy_evaluation
    log.info("evaluating on %d episodes", eval_cfg.n_episodes_eval)
    imit_stats = evaluate(
        policy,
        venv(seeds.evaluation, eval_cfg.n_episodes_eval),
        eval_cfg.n_episodes_eval,
        deterministic=eval_cfg.deterministic,
        seed=seeds.evaluation,
    )
    score = normalized_score(
        imit_stats["monitor_return_mean"],
        expert_stats["monitor_return_mean"],
        random_stats["monitor_return_mean"],
    )
    metrics = {
        "imit_return_mean": imit_stats["monitor_return_mean"],
        "imit_return_std": imit_stats["monitor_return_std"],
        "expert_return_mean": expert_stats["monitor_return_mean"],
        "expert_return_std": expert_stats["monitor_return_std"],
        "random_return_mean": random_stats["monitor_return_mean"],
        "normalized_score": score,
        "time/train_seconds": train_seconds,
        "time/total_seconds": time.perf_counter() - started,
    }
    result = {
        "imit_stats": imit_stats,
        "expert_stats": expert_stats,
        "random_stats": random_stats,
        "normalized_score": score,
    }
    policy_zip = save_policy_zip(policy, train_venv, workdir / "policy.zip")
    obs_example = demonstrations[0].obs[:2].astype(np.float32)
    example = (obs_example, policy.predict(obs_example, deterministic=True)[0])
    return result, metrics, policy_zip, example
