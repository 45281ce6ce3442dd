import numpy as np
import torch

from imitation_mlflow.algorithms.bc import BC
from imitation_mlflow.algorithms.dagger import (
    DAgger,
    exponential_beta,
    linear_beta,
    train_together,
)
from imitation_mlflow.algorithms.logger import MemoryLogger
from imitation_mlflow.algorithms.policies import make_policy
from imitation_mlflow.config import PolicyConfig
from imitation_mlflow.data import Transitions
from imitation_mlflow.envs import make_venv


def test_beta_schedules_by_hand():
    linear = linear_beta(4)
    assert [linear(r) for r in range(6)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    exponential = exponential_beta(0.5)
    assert [exponential(r) for r in range(3)] == [1.0, 0.5, 0.25]


def make_dagger(seed: int, logger: MemoryLogger) -> DAgger:
    venv = make_venv("seals/CartPole-v0", num_vec=2, seed=seed, max_episode_steps=20)
    torch.manual_seed(seed)
    policy = make_policy(venv.observation_space, venv.action_space, PolicyConfig())
    empty = Transitions(
        np.zeros((1, 4), np.float32), np.zeros(1, int), np.zeros((1, 4)), np.ones(1, bool)
    )
    bc = BC(
        policy=policy,
        demonstrations=empty,
        batch_size=16,
        lr=1e-3,
        l2_weight=0.0,
        ent_weight=0.0,
        logger=logger,
        rng=np.random.default_rng(seed),
        log_interval=100,
    )
    return DAgger(
        venv=venv,
        bc=bc,
        expert_act=lambda obs: (obs[:, 2] > 0).astype(int),
        beta_schedule=linear_beta(2),
        logger=logger,
        rng=np.random.default_rng(seed + 1),
        generator=torch.Generator().manual_seed(seed + 2),
        min_episodes=2,
        min_timesteps=50,
        n_epochs=1,
        n_batches=None,
    )


def test_rounds_respect_minimums_and_label_with_the_expert():
    logger = MemoryLogger()
    dagger = make_dagger(0, logger)
    rounds = []
    dagger.train(150, callback=rounds.append)
    # each round: at least 2 episodes and 50 steps of 20-step episodes -> 3 episodes = 60 steps
    assert [v for _, v in logger.points["dagger/n_transitions"]] == [60, 120, 180]
    assert [v for _, v in logger.points["dagger/beta"]] == [1.0, 0.5, 0.0]
    assert dagger.timesteps == 180 and dagger.round == 3
    assert [(r.round, r.done) for r in rounds] == [(1, 60), (2, 120), (3, 180)]
    data = dagger.parts[-1]
    np.testing.assert_array_equal(data.acts, (data.obs[:, 2] > 0).astype(int))


def test_same_seed_same_dagger():
    runs = []
    for _ in range(2):
        dagger = make_dagger(3, MemoryLogger())
        dagger.train(100)
        runs.append([p.detach().clone() for p in dagger.bc.policy.parameters()])
    for a, b in zip(*runs):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_seeds_trained_together_match_each_seed_alone():
    alone = []
    for seed in (3, 4, 5):
        dagger = make_dagger(seed, MemoryLogger())
        dagger.train(150)
        alone.append(dagger)
    together = [make_dagger(seed, MemoryLogger()) for seed in (3, 4, 5)]
    rounds: list[list[int]] = [[], [], []]
    train_together(together, [150, 150, 90], [lambda end, r=r: r.append(end.done) for r in rounds])
    assert rounds == [[60, 120, 180], [60, 120, 180], [60, 120]]
    for single, batched in zip(alone[:2], together[:2], strict=True):
        np.testing.assert_array_equal(single.parts[-1].obs, batched.parts[-1].obs)
        for a, b in zip(single.policy.parameters(), batched.policy.parameters(), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
