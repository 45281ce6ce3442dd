"""Train PPO experts locally with the per-environment recipes of ``recipes.toml``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import EvalCallback
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from imitation_mlflow.algorithms.base import seed_global_rngs
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.ppo import make_ppo
from imitation_mlflow.algorithms.sb3_logging import sb3_logger
from imitation_mlflow.config.seeds import RunSeeds
from imitation_mlflow.envs import make_venv
from imitation_mlflow.experts.recipes import ExpertRecipe, recipe_for


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
    seeds = RunSeeds.from_root(seed)
    venv = _training_env(gym_id, recipe, seeds.env)
    torch.manual_seed(seeds.init)
    model = make_ppo(venv, recipe.ppo, n_steps=recipe.n_steps, policy=recipe.policy)
    if logger is not None:
        model.set_logger(sb3_logger(logger, "ppo"))
    seed_global_rngs(seeds.training)
    with tempfile.TemporaryDirectory(prefix="expert-select-") as scratch:
        selector = None
        if select_every:
            eval_venv = _training_env(gym_id, recipe, seeds.periodic_evaluation, for_eval=True)
            selector = _best_checkpoint_callback(
                eval_venv, recipe, select_every, select_episodes, scratch
            )
        model.learn(timesteps or recipe.timesteps, progress_bar=progress_bar, callback=selector)
        if logger is not None:
            model.logger.dump(model.num_timesteps)  # SB3 dumps an update's losses one update late
        best = Path(scratch) / "best_model.zip"
        if selector is not None and best.exists():
            if logger is not None:
                chosen = _selected_step(selector)
                logger.record("select/best_step", float(chosen), chosen)
            model = PPO.load(best, env=venv, device="cpu")
    return model


def _training_env(gym_id: str, recipe: ExpertRecipe, seed: int, for_eval: bool = False) -> VecEnv:
    """The recipe's env copies (one for evaluation).

    With reward normalisation they sit inside a VecNormalize wrapper, the evaluation env's
    like training's (EvalCallback syncs them) but leaving rewards raw.
    """
    venv: VecEnv = make_venv(gym_id, num_vec=1 if for_eval else recipe.num_vec, seed=seed)
    if recipe.normalize_reward:
        venv = VecNormalize(
            venv,
            norm_obs=False,
            norm_reward=not for_eval,
            training=not for_eval,
            gamma=recipe.ppo.gamma,
        )
    return venv


def _best_checkpoint_callback(
    eval_venv: VecEnv, recipe: ExpertRecipe, every: int, episodes: int, directory: str
) -> EvalCallback:
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


def save_expert(model: PPO, directory: Path, repo_name: str) -> Path:
    """Write ``model`` as ``directory/<repo_name>/<repo_name>.zip``, the hub's file layout."""
    target = directory / repo_name
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{repo_name}.zip"
    model.save(path)
    return path
