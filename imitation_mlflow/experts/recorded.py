"""Train an expert as one MLflow run.

The run holds the curves and the final evaluation; the model is registered, and the zip
goes to the local expert store so later runs resolve it offline.
"""

from __future__ import annotations

import dataclasses
import socket
import tempfile
from pathlib import Path

import numpy as np
from stable_baselines3 import PPO

from imitation_mlflow.config import flatten_dict, to_dict
from imitation_mlflow.config.env_ids import registered_expert_name, repo_name
from imitation_mlflow.config.sections import EnvironmentConfig
from imitation_mlflow.config.seeds import RunSeeds
from imitation_mlflow.envs import check_env_id
from imitation_mlflow.errors import UserError
from imitation_mlflow.evaluation import evaluate_episodes
from imitation_mlflow.experts.recipes import recipe_for
from imitation_mlflow.experts.resolve import Candidate, strongest_known
from imitation_mlflow.experts.store import file_sha256, keep_expert, promote
from imitation_mlflow.experts.training import save_expert, train_expert
from imitation_mlflow.tracking.models import register_model
from imitation_mlflow.tracking.run import TrackedRun, tracked_run

EXPERIMENT = "experts"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExpertTraining:
    """What ``expert train`` is asked for."""

    gym_id: str
    seed: int = 0
    timesteps: int | None = None
    """Environment steps (``None``: the recipe's)."""
    output: Path | None = None
    """Where ``ppo-<env>/ppo-<env>.zip`` goes (``None``: the local expert store)."""
    eval_episodes: int = 50
    experiment: str = EXPERIMENT
    progress: bool = True
    select_every: int | None = None
    """Evaluate every this many steps and keep the best checkpoint (``None``: the last)."""
    select_episodes: int = 10
    promote: bool = False
    """Make it the store's expert even when a stronger one is known."""

    def check(self) -> None:
        """Refuse what cannot work before any run starts (``UserError``)."""
        check_env_id(self.gym_id)
        recipe_for(self.gym_id)
        minimums = {
            "--seed": (self.seed, 0),
            "--timesteps": (self.timesteps, 1),
            "--eval-episodes": (self.eval_episodes, 1),
            "--select-every": (self.select_every, 1),
            "--select-episodes": (self.select_episodes, 1),
        }
        for option, (value, least) in minimums.items():
            if value is not None and value < least:
                raise UserError(f"{option} must be at least {least} (got {value})")


@dataclasses.dataclass(frozen=True)
class RecordedExpert:
    """What ``expert train`` produced and where it was recorded."""

    path: Path
    run_id: str
    registered_name: str
    version: str
    evaluation: dict[str, float]
    stronger: str | None = None
    """Where the stronger expert that stays in use is, when this one was not promoted."""


def train_recorded_expert(job: ExpertTraining) -> RecordedExpert:
    """Train a PPO expert for ``job.gym_id`` as one MLflow run in ``job.experiment``.

    Logs the recipe as params, SB3's curves as ``ppo/*`` metrics, the evaluation over
    ``eval_episodes`` episodes as ``expert_return_mean``/``_std`` (sampled actions, as
    demonstrations are rolled out) and ``expert_return_deterministic_*``; logs the zip
    as a pyfunc model registered as ``expert-<env id>`` (the return as a version tag) and
    writes it to ``output`` (default: the local expert store).
    """
    job.check()
    name = repo_name(job.gym_id)
    tags = {"env_id": job.gym_id, "seed": str(job.seed), "host": socket.gethostname()}
    with tracked_run(
        experiment=job.experiment, run_name=f"{name}-s{job.seed}", tags={**tags, "kind": "expert"}
    ) as tracked:
        tracked.log_params(_params(job))
        model = train_expert(
            job.gym_id,
            seed=job.seed,
            timesteps=job.timesteps,
            progress_bar=job.progress,
            logger=tracked.metrics,
            select_every=job.select_every,
            select_episodes=job.select_episodes,
        )
        with tempfile.TemporaryDirectory() as scratch:
            saved = save_expert(model, job.output or Path(scratch), name)
            evaluation = _evaluate(tracked, model, job)
            stronger = strongest_known(job.gym_id)  # before this one is registered
            version = _register(tracked, model, saved, job.gym_id, evaluation)
            if job.output is not None:
                path, kept_back = saved, None
            else:
                path, kept_back = _into_store(job, saved, evaluation, stronger)
        tracked.set_tags({"expert_path": str(path), "promoted": str(kept_back is None).lower()})
    registered = registered_expert_name(job.gym_id)
    return RecordedExpert(path, tracked.run_id, registered, version, evaluation, kept_back)


def _into_store(
    job: ExpertTraining, saved: Path, evaluation: dict[str, float], stronger: Candidate | None
) -> tuple[Path, str | None]:
    """Keep ``saved`` in the store by its hash; promote it unless a stronger one is known.

    Returns the store path and, when it was not promoted, a description of the stronger one.
    """
    mean_return = evaluation["monitor_return_mean"]
    kept = keep_expert(job.gym_id, saved, mean_return)
    best = stronger.mean_return if stronger is not None else None
    weaker = best is not None and mean_return < best
    if stronger is not None and weaker and not job.promote:
        return kept, f"the {stronger.where} expert (return {best:.6g})"
    return promote(job.gym_id, kept.stem, forced=weaker), None  # kept as <sha256>.zip


def _params(job: ExpertTraining) -> dict[str, object]:
    recipe = recipe_for(job.gym_id)
    params: dict[str, object] = {
        f"recipe.{key}": value for key, value in flatten_dict(to_dict(recipe)).items()
    }
    params |= {"seed": job.seed, "timesteps": job.timesteps or recipe.timesteps}
    if job.select_every:
        params |= {"select_every": job.select_every, "select_episodes": job.select_episodes}
    return params


def _evaluate(tracked: TrackedRun, model: PPO, job: ExpertTraining) -> dict[str, float]:
    """Sampled and deterministic returns over ``eval_episodes`` (the ``evaluation`` stream)."""
    seed = RunSeeds.from_root(job.seed).evaluation
    environment = EnvironmentConfig(gym_id=job.gym_id)
    stats, greedy = (
        evaluate_episodes(model, environment, job.eval_episodes, seed=seed, deterministic=mode)
        for mode in (False, True)
    )
    tracked.log_final_metrics(
        {
            "expert_return_mean": stats["monitor_return_mean"],
            "expert_return_std": stats["monitor_return_std"],
            "expert_return_deterministic_mean": greedy["monitor_return_mean"],
            "expert_return_deterministic_std": greedy["monitor_return_std"],
        }
    )
    tracked.log_json({"sampled": stats, "deterministic": greedy}, "evaluation.json")
    return stats


def _register(
    tracked: TrackedRun, model: PPO, path: Path, gym_id: str, evaluation: dict[str, float]
) -> str:
    """Log the zip as a pyfunc model and register it as ``expert-<env id>``; the version."""
    sha256 = file_sha256(path)
    tracked.set_tags({"expert_sha256": sha256})
    shape = model.observation_space.shape or ()
    obs = np.zeros((2, *shape), dtype=np.float32)
    model_uri = tracked.log_policy_model(
        path, obs, model.predict(obs, deterministic=True)[0], "expert"
    )
    version_tags = {
        "return": f"{evaluation['monitor_return_mean']:.6g}",
        "env_id": gym_id,
        "sha256": sha256,
    }
    return register_model(model_uri, registered_expert_name(gym_id), version_tags)
