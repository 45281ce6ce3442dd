"""Train an expert as one MLflow run.

The run holds the curves and the final evaluation; the model is registered, and the zip
goes to the local expert store so later runs resolve it offline.
"""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import numpy as np

from imitation_mlflow.envs import make_venv
from imitation_mlflow.evaluation import evaluate
from imitation_mlflow.experts.demonstrations import rollout_num_vec
from imitation_mlflow.experts.store import file_sha256, registered_name, store_dir
from imitation_mlflow.experts.training import recipe_for, save_expert, train_expert
from imitation_mlflow.paths import repo_name
from imitation_mlflow.tracking.models import log_policy_model, register_model
from imitation_mlflow.tracking.run import tracked_run

EXPERIMENT = "experts"


@dataclasses.dataclass(frozen=True)
class RecordedExpert:
    """What ``expert train`` produced and where it was recorded."""

    path: Path
    run_id: str
    registered_name: str
    version: str
    evaluation: dict[str, float]


def train_recorded_expert(
    gym_id: str,
    *,
    seed: int,
    timesteps: int | None = None,
    output: Path | None = None,
    eval_episodes: int = 50,
    experiment: str = EXPERIMENT,
    progress: bool = True,
    select_every: int | None = None,
    select_episodes: int = 10,
) -> RecordedExpert:
    """Train a PPO expert for ``gym_id`` as one MLflow run in ``experiment``.

    Logs the recipe as params, SB3's curves as ``ppo/*`` metrics, the evaluation over
    ``eval_episodes`` episodes as ``expert_return_mean``/``_std`` (sampled actions, as
    demonstrations are rolled out) and ``expert_return_deterministic_*``; logs the zip
    as a pyfunc model registered as ``expert-<env id>`` (the return as a version tag) and
    writes it to ``output`` (default: the local expert store). ``select_every`` keeps the
    best checkpoint of evaluations every that many steps instead of the last one.
    """
    recipe = recipe_for(gym_id)
    name = repo_name(gym_id)
    tags = {"env_id": gym_id, "seed": str(seed), "host": socket.gethostname(), "kind": "expert"}
    with tracked_run(experiment=experiment, run_name=f"{name}-s{seed}", tags=tags) as tracked:
        params = {f"recipe.{k}": str(v) for k, v in dataclasses.asdict(recipe).items()}
        params |= {"seed": str(seed), "timesteps": str(timesteps or recipe.timesteps)}
        if select_every:
            params |= {"select_every": str(select_every), "select_episodes": str(select_episodes)}
        tracked.log_params(params)
        model = train_expert(
            gym_id,
            seed=seed,
            timesteps=timesteps,
            progress_bar=progress,
            logger=tracked.metrics,
            select_every=select_every,
            select_episodes=select_episodes,
        )
        path = save_expert(model, output or store_dir(), name)
        venv = make_venv(gym_id, num_vec=rollout_num_vec(eval_episodes), seed=seed + 1)
        stats = evaluate(model, venv, eval_episodes, deterministic=False, seed=seed + 1)
        greedy = evaluate(model, venv, eval_episodes, deterministic=True, seed=seed + 1)
        tracked.log_final_metrics(
            {
                "expert_return_mean": stats["monitor_return_mean"],
                "expert_return_std": stats["monitor_return_std"],
                "expert_return_deterministic_mean": greedy["monitor_return_mean"],
                "expert_return_deterministic_std": greedy["monitor_return_std"],
            }
        )
        tracked.log_json({"sampled": stats, "deterministic": greedy}, "evaluation.json")
        sha256 = file_sha256(path)
        tracked.set_tags({"expert_path": str(path), "expert_sha256": sha256})
        obs = np.asarray(venv.reset())[:2].astype(np.float32)
        model_uri = log_policy_model(path, obs, model.predict(obs, deterministic=True)[0], "expert")
        version_tags = {
            "return": f"{stats['monitor_return_mean']:.6g}",
            "env_id": gym_id,
            "sha256": sha256,
        }
        version = register_model(model_uri, registered_name(gym_id), version_tags)
        venv.close()
    return RecordedExpert(path, tracked.run_id, registered_name(gym_id), version, stats)
