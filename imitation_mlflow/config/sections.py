"""Typed, frozen configuration sections; each field documents what it controls.

Each field also declares the values it allows (``at_least(1, default=32)``, ``positive``,
``unit_interval``, ...); a section checks them all when it is constructed and raises a
:class:`~imitation_mlflow.config.checks.ConfigError` naming the field.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from imitation_mlflow.config.checks import (
    Range,
    Section,
    at_least,
    constrained,
    non_empty,
    positive,
    require,
    unit_interval,
)

ExpertSource = Literal["auto", "path", "store", "registry", "shipped", "hub"]
"""Where ``expert.source`` looks for the expert."""
DemonstrationsSource = Literal["rollout", "hub"]
"""Where ``demonstrations.source`` takes the demonstrations from."""
BetaScheduleName = Literal["linear", "exponential"]
"""The DAgger expert-mixing schedules of ``dagger.beta_schedule``."""
RandomSource = Literal["rollout", "hub"]
"""Where ``policy_evaluation.random_source`` takes the random-policy score from."""

SEED_RANGE = Range(low=0, high=2**32, high_open=True)
"""Seeds numpy and gymnasium accept: ``0 <= seed < 2**32``."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EnvironmentConfig(Section):
    """Which environment to train and evaluate on, and how it is vectorized."""

    gym_id: str = non_empty("seals/CartPole-v0")
    """Gymnasium id, e.g. ``seals/HalfCheetah-v1``."""
    num_vec: int = at_least(1, default=8)
    """Number of environment copies stepped together."""
    parallel: bool = False
    """Step the copies in subprocesses (only worth it for slow environments)."""
    max_episode_steps: int | None = at_least(1, default=None)
    """Override the environment's time limit (``None`` keeps the registered one)."""
    rollout_num_vec: int | None = at_least(1, default=None)
    """Copies stepped together when rolling out demonstrations or evaluation episodes
    (``None``: one per episode, at most 64, so the policy acts on one batch per time step)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExpertConfig(Section):
    """Where the expert policy comes from."""

    path: str | None = non_empty(None)
    """Explicit SB3 PPO zip; ``None`` resolves one (see ``source``)."""
    source: ExpertSource = "auto"
    """``auto``: the explicit path, else the strongest recorded expert of the local expert
    store, the model registry, the package's shipped ones and the hub. ``path``, ``store``,
    ``registry``, ``shipped`` or ``hub`` take only that one."""
    repo_id: str | None = None
    """Hub model repo of the expert; ``None`` is ``HumanCompatibleAI/ppo-<env id, / as ->``."""
    revision: str | None = None
    """Hub branch, tag or commit of the expert; ``None`` is ``main``."""
    trust_source: bool = False
    """Accept a hub repo whose owner is not trusted (``IMITATION_MLFLOW_TRUSTED_HUB_OWNERS``,
    default HumanCompatibleAI): an expert zip is pickled code, run when it is loaded."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class DemonstrationsConfig(Section):
    """How expert demonstrations are produced."""

    n_expert_demos: int = at_least(1, default=104)
    """Episodes rolled out from the expert (the published hub datasets hold 104)."""
    deterministic: bool = False
    """Take the expert's most likely action instead of sampling (published: sampled)."""
    source: DemonstrationsSource = "rollout"
    """``rollout``: roll out the expert (cached on disk, keyed by expert, env, count, seed).
    ``hub``: the first ``n_expert_demos`` trajectories of the hub dataset named like the
    expert's repo (``expert.repo_id``, default ``HumanCompatibleAI/ppo-<env>``)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PolicyConfig(Section):
    """The imitation policy: SB3 actor-critic MLP, as in the published benchmark."""

    net_arch: tuple[int, ...] = at_least(1, default=(32, 32))
    """Hidden layer sizes of both the actor and the critic (empty: linear)."""
    normalize_input: bool = True
    """Normalize observations with a running mean and variance."""
    log_std_init: float = 0.0
    """Initial log standard deviation of a continuous policy's Gaussian (SB3's
    ``log_std_init``); unused for discrete actions."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class BCConfig(Section):
    """Behavioral cloning (also the learner inside DAgger)."""

    batch_size: int = at_least(1, default=32)
    """Transitions per gradient step."""
    lr: float = positive(1e-3)
    """Adam learning rate."""
    l2_weight: float = at_least(0, default=0.0)
    """Weight of the squared parameter norm in the loss."""
    ent_weight: float = at_least(0, default=1e-3)
    """Weight of the entropy bonus (subtracted from the loss)."""
    n_epochs: int | None = at_least(1, default=1)
    """Passes over the demonstrations; ignored when ``n_batches`` is set."""
    n_batches: int | None = at_least(1, default=None)
    """Exact number of gradient steps, instead of ``n_epochs``."""
    log_interval: int = at_least(1, default=500)
    """Gradient steps between two points of the logged training curves."""

    def check_together(self) -> None:
        """Training needs a length: ``n_epochs`` or ``n_batches``."""
        require(
            self.n_epochs is not None or self.n_batches is not None,
            ("n_epochs", "n_batches"),
            "both are None; set at least one of them",
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class DAggerConfig(Section):
    """DAgger rounds and the expert-mixing schedule."""

    total_timesteps: int = at_least(1, default=100_000)
    """Environment steps collected over all rounds."""
    rollout_round_min_episodes: int = at_least(1, default=3)
    """Each round collects at least this many episodes."""
    rollout_round_min_timesteps: int = at_least(0, default=500)
    """Each round collects at least this many environment steps."""
    use_offline_rollouts: bool = False
    """Warm-start the dataset with the expert demonstrations."""
    beta_schedule: BetaScheduleName = "linear"
    """Probability of executing the expert's action per round: ``linear`` or ``exponential``."""
    rampdown_rounds: int = at_least(1, default=15)
    """Linear schedule: rounds for beta to fall from 1 to 0."""
    decay_probability: float = unit_interval(0.5)
    """Exponential schedule: beta is multiplied by this each round."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvaluationConfig(Section):
    """How the trained policy is scored."""

    n_episodes_eval: int = at_least(1, default=50)
    """Episodes of the trained policy on the true environment return."""
    deterministic: bool = False
    """Take the most likely action instead of sampling (published: sampled)."""
    random_episodes: int = at_least(1, default=100)
    """Episodes of a uniform-random policy measured (once, cached) for normalisation."""
    random_source: RandomSource = "rollout"
    """``rollout``: measure the uniform-random policy here (fixed seed, cached). ``hub``: the
    return of the hub's ``HumanCompatibleAI/random-seals-<Env>`` dataset (its first
    ``random_episodes`` trajectories), as the published benchmark normalised."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PPOKwargs(Section):
    """SB3 PPO settings of the generator (the published ``rl.rl_kwargs``)."""

    batch_size: int = at_least(2, default=64)
    """PPO minibatch size (at least 2: SB3 normalizes advantages over each minibatch)."""
    clip_range: float = positive(0.2)
    """Clipping range of the probability ratio in the PPO objective."""
    ent_coef: float = at_least(0, default=0.0)
    """Weight of the entropy bonus in the PPO loss."""
    gae_lambda: float = unit_interval(0.95)
    """Bias / variance trade-off of generalized advantage estimation."""
    gamma: float = unit_interval(0.99)
    """Discount factor."""
    learning_rate: float = positive(3e-4)
    """Adam learning rate of the policy and value networks."""
    max_grad_norm: float = positive(0.5)
    """Gradients are clipped to this global norm."""
    n_epochs: int = at_least(1, default=10)
    """Passes over each round's rollout per PPO update."""
    vf_coef: float = at_least(0, default=0.5)
    """Weight of the value-function loss."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RLConfig(Section):
    """The generator: SB3 PPO."""

    batch_size: int = at_least(1, default=2048)
    """Environment steps collected per round (over all env copies) before a PPO update."""
    rl_kwargs: PPOKwargs = PPOKwargs()
    """PPO hyperparameters."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RewardConfig(Section):
    """The learned reward / discriminator network."""

    net_arch: tuple[int, ...] = at_least(1, default=(32, 32))
    """Hidden layers of the reward MLP (and of AIRL's potential h)."""
    normalize_input: bool = True
    """Normalize its inputs with a running mean and variance."""
    normalize_output: bool = True
    """Normalize the reward handed to the generator with a running mean and variance."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdversarialAlgoConfig(Section):
    """Discriminator training (the published ``algorithm_kwargs``)."""

    demo_batch_size: int = at_least(1, default=64)
    """Expert (and as many generator) transitions per discriminator update."""
    gen_replay_buffer_capacity: int | None = at_least(1, default=None)
    """Most recent generator transitions kept for the discriminator (None: one round's)."""
    n_disc_updates_per_round: int = at_least(1, default=4)
    """Discriminator updates after each generator round."""
    disc_lr: float = positive(1e-3)
    """Adam learning rate of the discriminator."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CommonConfig(Section):
    """Sections every training script shares."""

    seed: int = constrained(0, SEED_RANGE)
    """Root of every random stream of the run (envs, demonstrations, training, evaluation)."""
    checkpoint_interval: int = at_least(0, default=0)
    """Save a full training-state checkpoint every this many rounds (0: none). A round is one
    BC epoch, one DAgger round, or one GAIL/AIRL generator round."""
    checkpoint_minutes: float = at_least(0, default=10.0)
    """Also save one at the end of the first round that ends this many minutes after the
    last checkpoint (or the start), so a long run that dies loses at most about this much
    work (0: by rounds only)."""
    environment: EnvironmentConfig = EnvironmentConfig()
    """The environment and its vectorization."""
    expert: ExpertConfig = ExpertConfig()
    """Where the expert comes from."""
    demonstrations: DemonstrationsConfig = DemonstrationsConfig()
    """How the expert demonstrations are produced."""
    policy: PolicyConfig = PolicyConfig()
    """The trained policy's network."""
    policy_evaluation: EvaluationConfig = EvaluationConfig()
    """How the trained policy is scored."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImitationConfig(CommonConfig):
    """Everything one ``train_imitation`` run (BC or DAgger) depends on."""

    bc: BCConfig = BCConfig()
    """Behavioral cloning (BC itself, and DAgger's learner)."""
    dagger: DAggerConfig = DAggerConfig()
    """DAgger rounds (unused by BC)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdversarialConfig(CommonConfig):
    """Everything one ``train_adversarial`` run (GAIL or AIRL) depends on."""

    total_timesteps: int = at_least(1, default=1_000_000)
    """Generator environment steps over the whole run."""
    rl: RLConfig = RLConfig()
    """The PPO generator."""
    reward: RewardConfig = RewardConfig()
    """The learned reward network."""
    algorithm_kwargs: AdversarialAlgoConfig = AdversarialAlgoConfig()
    """Discriminator training."""

    def check_together(self) -> None:
        """Each round fills every env copy equally and holds at least one PPO minibatch.

        This is the root config, so its messages can spell the full keys.
        """
        rl_steps, num_vec = self.rl.batch_size, self.environment.num_vec
        require(
            rl_steps % num_vec == 0,
            ("rl.batch_size", "environment.num_vec"),
            f"rl.batch_size ({rl_steps}) must be a multiple of environment.num_vec ({num_vec}), "
            "so that each round takes as many steps from every env copy",
        )
        minibatch = self.rl.rl_kwargs.batch_size
        require(
            minibatch <= rl_steps,
            ("rl.rl_kwargs.batch_size", "rl.batch_size"),
            f"rl.rl_kwargs.batch_size ({minibatch}) must not exceed rl.batch_size ({rl_steps}); "
            "a PPO minibatch comes from one round's steps",
        )
