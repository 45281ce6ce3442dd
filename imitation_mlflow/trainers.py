"""From a resolved config to a trained policy, one function per algorithm.

Each trainer builds the algorithm's objects (policy, BC / DAgger / GAIL / AIRL, PPO
generator, reward net) from the config and the run's envs, expert and demonstrations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.adversarial import AIRL, GAIL, AdversarialTrainer
from imitation_mlflow.algorithms.bc import BC
from imitation_mlflow.algorithms.dagger import DAgger, exponential_beta, linear_beta
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.policies import make_policy, policy_kwargs, save_policy_zip
from imitation_mlflow.algorithms.reward_nets import ShapedReward, StateActionReward
from imitation_mlflow.config import AdversarialConfig, CommonConfig, ImitationConfig
from imitation_mlflow.data import flatten_trajectories
from imitation_mlflow.data.trajectories import Trajectory
from imitation_mlflow.errors import UserError


@dataclasses.dataclass
class RunContext:
    """What a trainer gets: resolved config, envs, expert, data, logger, a place for files."""

    config: Any
    seeds: Any
    venv: VecEnv
    expert: PPO
    demonstrations: list[Trajectory]
    logger: MetricLogger
    progress: bool
    workdir: Path
    save_artifact: Callable[[Path, str | None], None]
    """Store a file with the run (e.g. a checkpoint) under an artifact folder."""
    resume: Any = None
    """A ``tracking.checkpoints.Checkpoint`` to continue from, or ``None``."""


Trainer = Callable[[RunContext], ActorCriticPolicy]


def _bc_learner(ctx: RunContext) -> BC:
    cfg: ImitationConfig = ctx.config
    torch.manual_seed(ctx.seeds.algorithm)
    policy = make_policy(
        ctx.venv.observation_space,
        ctx.venv.action_space,
        net_arch=cfg.policy.net_arch,
        normalize_input=cfg.policy.normalize_input,
    )
    return BC(
        policy=policy,
        demonstrations=flatten_trajectories(ctx.demonstrations),
        batch_size=cfg.bc.batch_size,
        lr=cfg.bc.lr,
        l2_weight=cfg.bc.l2_weight,
        ent_weight=cfg.bc.ent_weight,
        logger=ctx.logger,
        rng=np.random.default_rng(ctx.seeds.algorithm),
    )


def train_bc(ctx: RunContext) -> ActorCriticPolicy:
    """Behavioral cloning on the expert demonstrations."""
    cfg: ImitationConfig = ctx.config
    learner = _bc_learner(ctx)
    learner.train(
        n_epochs=cfg.bc.n_epochs,
        n_batches=cfg.bc.n_batches,
        log_interval=cfg.bc.log_interval,
        progress=ctx.progress,
    )
    return learner.policy


def train_dagger(ctx: RunContext) -> ActorCriticPolicy:
    """DAgger rounds until ``dagger.total_timesteps`` steps, BC settings from ``bc``."""
    cfg: ImitationConfig = ctx.config
    learner = _bc_learner(ctx)
    schedule = (
        linear_beta(cfg.dagger.rampdown_rounds)
        if cfg.dagger.beta_schedule == "linear"
        else exponential_beta(cfg.dagger.decay_probability)
    )
    expert = ctx.expert
    dagger = DAgger(
        venv=ctx.venv,
        bc=learner,
        expert_act=lambda obs: expert.predict(obs, deterministic=True)[0],
        beta_schedule=schedule,
        logger=ctx.logger,
        rng=np.random.default_rng(ctx.seeds.algorithm),
        min_episodes=cfg.dagger.rollout_round_min_episodes,
        min_timesteps=cfg.dagger.rollout_round_min_timesteps,
        offline=flatten_trajectories(ctx.demonstrations)
        if cfg.dagger.use_offline_rollouts
        else None,
    )
    dagger.train(
        cfg.dagger.total_timesteps,
        n_epochs=cfg.bc.n_epochs,
        n_batches=cfg.bc.n_batches,
        log_interval=cfg.bc.log_interval,
    )
    return learner.policy


def _train_adversarial(ctx: RunContext, algo: type[AdversarialTrainer]) -> ActorCriticPolicy:
    cfg: AdversarialConfig = ctx.config
    kw = cfg.rl.rl_kwargs
    torch.manual_seed(ctx.seeds.algorithm)
    gen = PPO(
        ActorCriticPolicy,
        ctx.venv,
        policy_kwargs=policy_kwargs(cfg.policy.net_arch, cfg.policy.normalize_input),
        n_steps=cfg.rl.batch_size // ctx.venv.num_envs,
        batch_size=kw.batch_size,
        clip_range=kw.clip_range,
        ent_coef=kw.ent_coef,
        gae_lambda=kw.gae_lambda,
        gamma=kw.gamma,
        learning_rate=kw.learning_rate,
        max_grad_norm=kw.max_grad_norm,
        n_epochs=kw.n_epochs,
        vf_coef=kw.vf_coef,
        seed=ctx.seeds.algorithm,
        device="cpu",
    )
    spaces = (ctx.venv.observation_space, ctx.venv.action_space)
    net_kwargs = {"net_arch": cfg.reward.net_arch, "normalize_input": cfg.reward.normalize_input}
    reward_net: torch.nn.Module = (
        ShapedReward(*spaces, gamma=kw.gamma, **net_kwargs)  # type: ignore[arg-type]
        if algo is AIRL
        else StateActionReward(*spaces, **net_kwargs)  # type: ignore[arg-type]
    )
    algo_cfg = cfg.algorithm_kwargs
    trainer = algo(
        venv=ctx.venv,
        demonstrations=flatten_trajectories(ctx.demonstrations),
        gen_algo=gen,
        reward_net=reward_net,
        logger=ctx.logger,
        rng=np.random.default_rng(ctx.seeds.algorithm),
        demo_batch_size=algo_cfg.demo_batch_size,
        n_disc_updates_per_round=algo_cfg.n_disc_updates_per_round,
        gen_replay_buffer_capacity=algo_cfg.gen_replay_buffer_capacity,
        disc_lr=algo_cfg.disc_lr,
        normalize_reward=cfg.reward.normalize_output,
    )

    if ctx.resume is not None:
        saved = PPO.load(ctx.resume.directory / "policy.zip", device="cpu")
        gen.policy.load_state_dict(saved.policy.state_dict())
        reward_net.load_state_dict(torch.load(ctx.resume.directory / "reward_net.pt"))
        trainer.round = ctx.resume.round
        gen.num_timesteps = ctx.resume.round * trainer.round_steps

    def save(folder: str) -> None:
        directory = ctx.workdir / folder
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(reward_net.state_dict(), directory / "reward_net.pt")
        if isinstance(reward_net, ShapedReward):
            torch.save(reward_net.base.state_dict(), directory / "reward_g.pt")
        save_policy_zip(gen.policy, ctx.venv, directory / "policy.zip")
        for path in sorted(directory.iterdir()):
            ctx.save_artifact(path, folder)

    def on_round(round_: int) -> None:
        if cfg.checkpoint_interval and round_ % cfg.checkpoint_interval == 0:
            save(f"checkpoints/{round_:05d}")

    trainer.train(cfg.total_timesteps, on_round=on_round)
    save("reward")
    return gen.policy


def train_gail(ctx: RunContext) -> ActorCriticPolicy:
    """GAIL with a PPO generator."""
    return _train_adversarial(ctx, GAIL)


def train_airl(ctx: RunContext) -> ActorCriticPolicy:
    """AIRL with a PPO generator; the learned reward g is stored as ``reward/reward_g.pt``."""
    return _train_adversarial(ctx, AIRL)


TRAINERS: dict[str, Trainer] = {
    "bc": train_bc,
    "dagger": train_dagger,
    "gail": train_gail,
    "airl": train_airl,
}
"""Algorithm name -> trainer; the name is the sacred command and the ``algo`` tag."""

TRAIN_SCRIPT = {
    "bc": "train_imitation",
    "dagger": "train_imitation",
    "gail": "train_adversarial",
    "airl": "train_adversarial",
}
"""Algorithm name -> the published script that ran it (the ``train_script`` tag)."""

CONFIG_CLASS: dict[str, type[CommonConfig]] = {
    "train_imitation": ImitationConfig,
    "train_adversarial": AdversarialConfig,
}
"""Script -> its config class."""


def config_class(algo: str) -> type[CommonConfig]:
    """The config class of ``algo``'s script."""
    return CONFIG_CLASS[TRAIN_SCRIPT[algo]]


def validate_algo_config(algo: str, config: CommonConfig) -> None:
    """Algorithm-specific checks a user can fail, before any work starts."""
    if isinstance(config, ImitationConfig):
        if config.bc.n_epochs is None and config.bc.n_batches is None:
            raise UserError("set bc.n_epochs or bc.n_batches (both are None)")
        if config.bc.batch_size < 1:
            raise UserError(f"bc.batch_size must be at least 1 (got {config.bc.batch_size})")
        if config.dagger.beta_schedule not in ("linear", "exponential"):
            raise UserError(
                f"dagger.beta_schedule must be 'linear' or 'exponential' "
                f"(got {config.dagger.beta_schedule!r})"
            )
    if isinstance(config, AdversarialConfig):
        num_vec = config.environment.num_vec
        if config.rl.batch_size % num_vec:
            raise UserError(
                f"rl.batch_size ({config.rl.batch_size}) must be a multiple of "
                f"environment.num_vec ({num_vec})"
            )
        if config.rl.rl_kwargs.batch_size > config.rl.batch_size:
            raise UserError("rl.rl_kwargs.batch_size must not exceed rl.batch_size")
