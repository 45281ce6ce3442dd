"""Builders: a run's config and inputs -> a ready-to-train algorithm and its budget.

Each algorithm's spec (``config/registry.py``) names its builder here. Networks are
initialised from the ``init`` stream; every generator an algorithm owns gets its own stream.
"""

from __future__ import annotations

import dataclasses
from typing import cast

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.adversarial import AIRL, GAIL, AdversarialTrainer
from imitation_mlflow.algorithms.base import Algorithm
from imitation_mlflow.algorithms.bc import BC
from imitation_mlflow.algorithms.dagger import DAgger, exponential_beta, linear_beta
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.policies import make_policy
from imitation_mlflow.algorithms.ppo import make_ppo
from imitation_mlflow.algorithms.reward_nets import ShapedReward, StateActionReward
from imitation_mlflow.config.sections import AdversarialConfig, CommonConfig, ImitationConfig
from imitation_mlflow.config.seeds import RunSeeds
from imitation_mlflow.data.trajectories import Trajectory, flatten_trajectories
from imitation_mlflow.experts.resolve import Expert


@dataclasses.dataclass(frozen=True)
class BuildContext:
    """What a builder gets: the run's config, seeds, training envs, expert and data."""

    config: CommonConfig
    seeds: RunSeeds
    venv: VecEnv
    expert: Expert
    demonstrations: list[Trajectory]
    logger: MetricLogger


@dataclasses.dataclass(frozen=True)
class Training:
    """A built algorithm and the budget its run trains it for (in its own units)."""

    algorithm: Algorithm
    total: int
    unit: str
    """What ``total`` counts: ``batches`` or ``steps`` (environment steps)."""


def build_bc(ctx: BuildContext) -> Training:
    """Behavioral cloning on the demonstrations.

    The budget is ``bc.n_batches`` gradient steps, else ``bc.n_epochs`` passes over the data.
    """
    config = cast(ImitationConfig, ctx.config)
    bc = _bc_learner(ctx, config)
    n_batches = config.bc.n_batches
    if n_batches is None:
        assert config.bc.n_epochs is not None  # the config refuses both unset
        n_batches = config.bc.n_epochs * bc.batches_per_epoch()
    return Training(bc, n_batches, "batches")


def build_dagger(ctx: BuildContext) -> Training:
    """DAgger with a BC learner (settings from ``bc``) for ``dagger.total_timesteps`` steps."""
    config = cast(ImitationConfig, ctx.config)
    settings = config.dagger
    schedule = (
        linear_beta(settings.rampdown_rounds)
        if settings.beta_schedule == "linear"
        else exponential_beta(settings.decay_probability)
    )
    offline = flatten_trajectories(ctx.demonstrations) if settings.use_offline_rollouts else None
    dagger = DAgger(
        venv=ctx.venv,
        bc=_bc_learner(ctx, config),
        expert_act=ctx.expert.act,
        beta_schedule=schedule,
        logger=ctx.logger,
        rng=np.random.default_rng(ctx.seeds.mixing),
        generator=torch.Generator().manual_seed(ctx.seeds.training),
        min_episodes=settings.rollout_round_min_episodes,
        min_timesteps=settings.rollout_round_min_timesteps,
        n_epochs=config.bc.n_epochs,
        n_batches=config.bc.n_batches,
        offline=offline,
    )
    return Training(dagger, settings.total_timesteps, "steps")


def _bc_learner(ctx: BuildContext, config: ImitationConfig) -> BC:
    torch.manual_seed(ctx.seeds.init)
    policy = make_policy(ctx.venv.observation_space, ctx.venv.action_space, config.policy)
    return BC(
        policy=policy,
        demonstrations=flatten_trajectories(ctx.demonstrations),
        batch_size=config.bc.batch_size,
        lr=config.bc.lr,
        l2_weight=config.bc.l2_weight,
        ent_weight=config.bc.ent_weight,
        logger=ctx.logger,
        rng=np.random.default_rng(ctx.seeds.data_order),
        log_interval=config.bc.log_interval,
    )


def build_gail(ctx: BuildContext) -> Training:
    """GAIL: a PPO generator against a state-action discriminator r(s, a)."""
    config = cast(AdversarialConfig, ctx.config)
    spaces = (ctx.venv.observation_space, ctx.venv.action_space)
    torch.manual_seed(ctx.seeds.init)
    reward_net = StateActionReward(
        *spaces, net_arch=config.reward.net_arch, normalize_input=config.reward.normalize_input
    )
    return _adversarial(ctx, config, GAIL, reward_net)


def build_airl(ctx: BuildContext) -> Training:
    """AIRL: a PPO generator against a shaped discriminator f = g(s, a) + gamma h(s') - h(s)."""
    config = cast(AdversarialConfig, ctx.config)
    spaces = (ctx.venv.observation_space, ctx.venv.action_space)
    torch.manual_seed(ctx.seeds.init)
    reward_net = ShapedReward(
        *spaces,
        gamma=config.rl.rl_kwargs.gamma,
        net_arch=config.reward.net_arch,
        normalize_input=config.reward.normalize_input,
    )
    return _adversarial(ctx, config, AIRL, reward_net)


def _adversarial(
    ctx: BuildContext,
    config: AdversarialConfig,
    kind: type[AdversarialTrainer],
    reward_net: torch.nn.Module,
) -> Training:
    n_steps = config.rl.batch_size // ctx.venv.num_envs
    generator = make_ppo(ctx.venv, config.rl.rl_kwargs, n_steps=n_steps, policy=config.policy)
    settings = config.algorithm_kwargs
    trainer = kind(
        venv=ctx.venv,
        demonstrations=flatten_trajectories(ctx.demonstrations),
        gen_algo=generator,
        reward_net=reward_net,
        logger=ctx.logger,
        rng=np.random.default_rng(ctx.seeds.discriminator),
        demo_batch_size=settings.demo_batch_size,
        n_disc_updates_per_round=settings.n_disc_updates_per_round,
        gen_replay_buffer_capacity=settings.gen_replay_buffer_capacity,
        disc_lr=settings.disc_lr,
        normalize_reward=config.reward.normalize_output,
    )
    return Training(trainer, config.total_timesteps, "steps")
