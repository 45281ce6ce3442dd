"""Typed, frozen configuration sections; each field documents what it controls."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Which environment to train and evaluate on, and how it is vectorized."""

    gym_id: str = "seals/CartPole-v0"
    """Gymnasium id, e.g. ``seals/HalfCheetah-v1``."""
    num_vec: int = 8
    """Number of environment copies stepped together."""
    parallel: bool = False
    """Step the copies in subprocesses (only worth it for slow environments)."""
    max_episode_steps: int | None = None
    """Override the environment's time limit (``None`` keeps the registered one)."""
    rollout_num_vec: int | None = None
    """Copies stepped together when rolling out demonstrations or evaluation episodes
    (``None``: one per episode, at most 64, so the policy acts on one batch per time step)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExpertConfig:
    """Where the expert policy comes from."""

    path: str | None = None
    """Explicit SB3 PPO zip; ``None`` uses the expert shipped with the package for the env."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class DemonstrationsConfig:
    """How expert demonstrations are produced."""

    n_expert_demos: int = 104
    """Episodes rolled out from the expert (the published hub datasets hold 104)."""
    deterministic: bool = False
    """Take the expert's most likely action instead of sampling (published: sampled)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PolicyConfig:
    """The imitation policy: SB3 actor-critic MLP, as in the published benchmark."""

    net_arch: tuple[int, ...] = (32, 32)
    """Hidden layer sizes of both the actor and the critic."""
    normalize_input: bool = True
    """Normalize observations with a running mean and variance."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class BCConfig:
    """Behavioral cloning (also the learner inside DAgger)."""

    batch_size: int = 32
    """Transitions per gradient step."""
    lr: float = 1e-3
    """Adam learning rate."""
    l2_weight: float = 0.0
    """Weight of the squared parameter norm in the loss."""
    ent_weight: float = 1e-3
    """Weight of the entropy bonus (subtracted from the loss)."""
    n_epochs: int | None = 1
    """Passes over the demonstrations; ignored when ``n_batches`` is set."""
    n_batches: int | None = None
    """Exact number of gradient steps, instead of ``n_epochs``."""
    log_interval: int = 500
    """Gradient steps between two points of the logged training curves."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class DAggerConfig:
    """DAgger rounds and the expert-mixing schedule."""

    total_timesteps: int = 100_000
    """Environment steps collected over all rounds."""
    rollout_round_min_episodes: int = 3
    """Each round collects at least this many episodes."""
    rollout_round_min_timesteps: int = 500
    """Each round collects at least this many environment steps."""
    use_offline_rollouts: bool = False
    """Warm-start the dataset with the expert demonstrations."""
    beta_schedule: str = "linear"
    """Probability of executing the expert's action per round: ``linear`` or ``exponential``."""
    rampdown_rounds: int = 15
    """Linear schedule: rounds for beta to fall from 1 to 0."""
    decay_probability: float = 0.5
    """Exponential schedule: beta is multiplied by this each round."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvaluationConfig:
    """How the trained policy is scored."""

    n_episodes_eval: int = 50
    """Episodes of the trained policy on the true environment return."""
    deterministic: bool = False
    """Take the most likely action instead of sampling (published: sampled)."""
    random_episodes: int = 100
    """Episodes of a uniform-random policy measured (once, cached) for normalisation."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImitationConfig:
    """Everything one ``train_imitation`` run (BC or DAgger) depends on."""

    seed: int = 0
    """Root of every random stream of the run (envs, demonstrations, training, evaluation)."""
    environment: EnvironmentConfig = EnvironmentConfig()
    expert: ExpertConfig = ExpertConfig()
    demonstrations: DemonstrationsConfig = DemonstrationsConfig()
    policy: PolicyConfig = PolicyConfig()
    bc: BCConfig = BCConfig()
    dagger: DAggerConfig = DAggerConfig()
    policy_evaluation: EvaluationConfig = EvaluationConfig()
