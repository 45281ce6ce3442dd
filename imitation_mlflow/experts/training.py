"""Train PPO experts locally with per-environment settings chosen by us."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import EvalCallback
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.policies import NormalizeFeaturesExtractor
from imitation_mlflow.algorithms.sb3_logging import sb3_logger
from imitation_mlflow.envs import make_venv
from imitation_mlflow.errors import unknown_choice


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExpertRecipe:
    """PPO settings that train a good expert for one environment on a few CPU cores."""

    timesteps: int
    """Default environment-step budget."""
    num_vec: int = 8
    """Parallel (in-process) environments feeding PPO."""
    n_steps: int = 256
    """Rollout length per environment before each update."""
    batch_size: int = 256
    learning_rate: float = 3e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.0
    clip_range: float = 0.2
    n_epochs: int = 10
    net_arch: tuple[int, ...] = (64, 64)
    log_std_init: float = 0.0
    normalize: bool = False
    """Normalize observations inside the policy (saved with it) and rewards while training."""


RECIPES: dict[str, ExpertRecipe] = {
    "seals/CartPole-v0": ExpertRecipe(timesteps=120_000, n_steps=256, batch_size=256),
    "seals/MountainCar-v0": ExpertRecipe(timesteps=300_000, ent_coef=0.01),
    "seals/HalfCheetah-v1": ExpertRecipe(timesteps=2_000_000, batch_size=64, normalize=True),
    "seals/Hopper-v1": ExpertRecipe(timesteps=300_000, batch_size=64, normalize=True),
    "seals/Swimmer-v1": ExpertRecipe(
        timesteps=1_000_000, num_vec=1, n_steps=2048, batch_size=64, gamma=0.9999, normalize=True
    ),
    "seals/Walker2d-v1": ExpertRecipe(timesteps=2_000_000, batch_size=64, normalize=True),
    "seals/Ant-v1": ExpertRecipe(timesteps=2_000_000, batch_size=64, normalize=True),
}


def recipe_for(gym_id: str) -> ExpertRecipe:
    """Look up our PPO settings for ``gym_id``."""
    if gym_id not in RECIPES:
        raise unknown_choice("environment for expert training", gym_id, list(RECIPES))
    return RECIPES[gym_id]


def train_expert(
    gym_id: str,
    *,
    seed: int,
    timesteps: int | None = None,
    progress_bar: bool = True,
    logger: MetricLogger | None = None,
    select_every: int | None = None,
    select_episodes: int = 10,
) -> PPO:
    """Train a PPO expert for ``gym_id``; same seed and budget give the same expert on CPU.

    SB3's own curves (``rollout/ep_rew_mean``, ``train/policy_gradient_loss``, ...) go to
    ``logger`` as ``ppo/<key>`` at the environment step, when a logger is given.

    With ``select_every``, the policy is evaluated every that many steps (``select_episodes``
    episodes, sampled actions as demonstrations are rolled out; curve ``ppo/eval/mean_reward``)
    and the best evaluated checkpoint is returned instead of the last one (its step as
    ``select/best_step``): PPO on the harder MuJoCo tasks can peak, then decline.
    """
    recipe = recipe_for(gym_id)
    torch.manual_seed(seed)
    venv: VecEnv = make_venv(gym_id, num_vec=recipe.num_vec, seed=seed)
    kwargs: dict[str, Any] = {"net_arch": list(recipe.net_arch)}
    if not _is_discrete(venv):
        kwargs["log_std_init"] = recipe.log_std_init
    if recipe.normalize:
        kwargs["features_extractor_class"] = NormalizeFeaturesExtractor
        venv = VecNormalize(venv, norm_obs=False, norm_reward=True, gamma=recipe.gamma)
    model = PPO(
        "MlpPolicy",
        venv,
        n_steps=recipe.n_steps,
        batch_size=recipe.batch_size,
        learning_rate=recipe.learning_rate,
        gamma=recipe.gamma,
        gae_lambda=recipe.gae_lambda,
        ent_coef=recipe.ent_coef,
        clip_range=recipe.clip_range,
        n_epochs=recipe.n_epochs,
        policy_kwargs=kwargs,
        seed=seed,
        device="cpu",
        verbose=0,
    )
    if logger is not None:
        model.set_logger(sb3_logger(logger, "ppo"))
    with tempfile.TemporaryDirectory(prefix="expert-select-") as scratch:
        selector = (
            _best_checkpoint_callback(gym_id, recipe, seed, select_every, select_episodes, scratch)
            if select_every
            else None
        )
        model.learn(
            total_timesteps=timesteps or recipe.timesteps,
            progress_bar=progress_bar,
            callback=selector,
        )
        if logger is not None:
            model.logger.dump(model.num_timesteps)  # SB3 dumps an update's losses one update late
        best = Path(scratch) / "best_model.zip"
        if selector is not None and best.exists():
            if logger is not None:
                chosen = _selected_step(selector)
                logger.record("select/best_step", float(chosen), chosen)
            model = PPO.load(best, env=venv, device="cpu")
    return model


def _best_checkpoint_callback(
    gym_id: str, recipe: ExpertRecipe, seed: int, every: int, episodes: int, directory: str
) -> EvalCallback:
    eval_venv: VecEnv = make_venv(gym_id, num_vec=1, seed=seed + 10_000)
    if recipe.normalize:  # the same wrapper as training (EvalCallback syncs them), rewards raw
        eval_venv = VecNormalize(eval_venv, norm_obs=False, norm_reward=False, training=False)
    return EvalCallback(
        eval_venv,
        n_eval_episodes=episodes,
        eval_freq=max(1, every // recipe.num_vec),
        log_path=directory,  # keeps every evaluation's step and returns, read by _selected_step
        best_model_save_path=directory,
        deterministic=False,
        verbose=0,
    )


def _selected_step(selector: EvalCallback) -> int:
    """The step of the first evaluation with the best mean return: the one EvalCallback saved."""
    means = [float(np.mean(returns)) for returns in selector.evaluations_results]
    return int(selector.evaluations_timesteps[int(np.argmax(means))])


def _is_discrete(venv: object) -> bool:
    from gymnasium import spaces

    return isinstance(getattr(venv, "action_space", None), spaces.Discrete)


def save_expert(model: PPO, directory: Path, repo_name: str) -> Path:
    """Write ``model`` as ``directory/<repo_name>/<repo_name>.zip``, the hub's file layout."""
    target = directory / repo_name
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{repo_name}.zip"
    model.save(path)
    return path
