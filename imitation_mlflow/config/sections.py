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
    """Explicit SB3 PPO zip; ``None`` resolves one (see ``source``)."""
    source: str = "auto"
    """``auto``: the explicit path, else the local expert store, else the expert shipped with
    the package, else the hub. ``path``, ``store``, ``shipped`` or ``hub`` take only that one."""
    repo_id: str | None = None
    """Hub model repo of the expert; ``None`` is ``HumanCompatibleAI/ppo-<env id, / as ->``."""
    revision: str | None = None
    """Hub branch, tag or commit of the expert; ``None`` is ``main``."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class DemonstrationsConfig:
    """How expert demonstrations are produced."""

    n_expert_demos: int = 104
    """Episodes rolled out from the expert (the published hub datasets hold 104)."""
    deterministic: bool = False
    """Take the expert's most likely action instead of sampling (published: sampled)."""
    source: str = "rollout"
    """``rollout``: roll out the expert (cached on disk, keyed by expert, env, count, seed).
    ``hub``: the first ``n_expert_demos`` trajectories of the hub dataset named like the
    expert's repo (``expert.repo_id``, default ``HumanCompatibleAI/ppo-<env>``)."""


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
    random_source: str = "rollout"
    """``rollout``: measure the uniform-random policy here (fixed seed, cached). ``hub``: the
    return of the hub's ``HumanCompatibleAI/random-seals-<Env>`` dataset (its first
    ``random_episodes`` trajectories), as the published benchmark normalised."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PPOKwargs:
    """SB3 PPO settings of the generator (the published ``rl.rl_kwargs``)."""

    batch_size: int = 64
    """PPO minibatch size."""
    clip_range: float = 0.2
    ent_coef: float = 0.0
    gae_lambda: float = 0.95
    gamma: float = 0.99
    learning_rate: float = 3e-4
    max_grad_norm: float = 0.5
    n_epochs: int = 10
    vf_coef: float = 0.5


@dataclasses.dataclass(frozen=True, kw_only=True)
class RLConfig:
    """The generator: SB3 PPO."""

    batch_size: int = 2048
    """Environment steps collected per round (over all env copies) before a PPO update."""
    rl_kwargs: PPOKwargs = PPOKwargs()


@dataclasses.dataclass(frozen=True, kw_only=True)
class RewardConfig:
    """The learned reward / discriminator network."""

    net_arch: tuple[int, ...] = (32, 32)
    """Hidden layers of the reward MLP (and of AIRL's potential h)."""
    normalize_input: bool = True
    """Normalize its inputs with a running mean and variance."""
    normalize_output: bool = True
    """Normalize the reward handed to the generator with a running mean and variance."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdversarialAlgoConfig:
    """Discriminator training (the published ``algorithm_kwargs``)."""

    demo_batch_size: int = 64
    """Expert (and as many generator) transitions per discriminator update."""
    gen_replay_buffer_capacity: int | None = None
    """Most recent generator transitions kept for the discriminator (None: one round's)."""
    n_disc_updates_per_round: int = 4
    """Discriminator updates after each generator round."""
    disc_lr: float = 1e-3
    """Adam learning rate of the discriminator."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CommonConfig:
    """Sections every training script shares."""

    seed: int = 0
    """Root of every random stream of the run (envs, demonstrations, training, evaluation)."""
    environment: EnvironmentConfig = EnvironmentConfig()
    expert: ExpertConfig = ExpertConfig()
    demonstrations: DemonstrationsConfig = DemonstrationsConfig()
    policy: PolicyConfig = PolicyConfig()
    policy_evaluation: EvaluationConfig = EvaluationConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImitationConfig(CommonConfig):
    """Everything one ``train_imitation`` run (BC or DAgger) depends on."""

    bc: BCConfig = BCConfig()
    dagger: DAggerConfig = DAggerConfig()


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdversarialConfig(CommonConfig):
    """Everything one ``train_adversarial`` run (GAIL or AIRL) depends on."""

    total_timesteps: int = 1_000_000
    """Generator environment steps over the whole run."""
    checkpoint_interval: int = 0
    """Save policy and reward net every this many rounds (0: only at the end)."""
    rl: RLConfig = RLConfig()
    reward: RewardConfig = RewardConfig()
    algorithm_kwargs: AdversarialAlgoConfig = AdversarialAlgoConfig()
