import gymnasium as gym
import numpy as np
import torch

from imitation_mlflow.algorithms.base import RoundEnd
from imitation_mlflow.algorithms.bc import BC, train_together
from imitation_mlflow.algorithms.logger import MemoryLogger
from imitation_mlflow.algorithms.policies import make_policy
from imitation_mlflow.config import PolicyConfig
from imitation_mlflow.data import Transitions

OBS = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)


def _dataset(rng, n=2000):
    obs = rng.normal(size=(n, 3)).astype(np.float32)
    acts = (obs[:, 0] > 0).astype(np.int64)  # the "expert" looks at the first feature
    return Transitions(obs=obs, acts=acts, next_obs=obs, dones=np.zeros(n, bool))


def _bc(seed, data, logger=None, **kwargs):
    torch.manual_seed(seed)
    policy = make_policy(OBS, gym.spaces.Discrete(2), PolicyConfig())
    params = dict(batch_size=64, lr=3e-3, l2_weight=0.0, ent_weight=1e-3)
    params.update(kwargs)
    return BC(
        policy=policy,
        demonstrations=data,
        logger=logger or MemoryLogger(),
        rng=np.random.default_rng(seed),
        **params,
    )


def test_bc_learns_a_simple_expert(rng):
    data = _dataset(rng)
    logger = MemoryLogger()
    bc = _bc(0, data, logger, log_interval=50)
    rounds = []
    bc.train(8 * bc.batches_per_epoch(), callback=rounds.append)
    test_obs = np.random.default_rng(1).normal(size=(500, 3)).astype(np.float32)
    predicted = bc.policy.predict(test_obs, deterministic=True)[0]
    assert (predicted == (test_obs[:, 0] > 0)).mean() > 0.95
    assert set(logger.points) == {
        "bc/loss",
        "bc/neglogp",
        "bc/entropy",
        "bc/l2_norm",
        "bc/prob_true_act",
    }
    first, last = logger.points["bc/prob_true_act"][0][1], logger.points["bc/prob_true_act"][-1][1]
    assert last > first and last > 0.8
    # 8 epochs of ceil(2000 / 64) = 32 batches; a point every 50 steps plus the last one.
    assert bc.steps_done == 256 and bc.epochs_done == 8
    assert [s for s, _ in logger.points["bc/loss"]] == [1, 51, 101, 151, 201, 251, 256]
    assert rounds == [RoundEnd(round=r, done=32 * r) for r in range(1, 9)]


def test_budget_counts_batches_and_continues(rng):
    bc = _bc(0, _dataset(rng))
    bc.train(5)
    assert bc.steps_done == 5 and bc.epochs_done == 0
    bc.train(40)  # continues where it stopped, finishing the first epoch on the way
    assert bc.steps_done == 40 and bc.epochs_done == 1


def test_l2_term_shrinks_weights(rng):
    data = _dataset(rng)
    plain, decayed = _bc(0, data), _bc(0, data, l2_weight=0.05)
    plain.train(3 * plain.batches_per_epoch())
    decayed.train(3 * decayed.batches_per_epoch())

    def norm(bc):
        return sum(p.square().sum().item() for p in bc.params)

    assert norm(decayed) < 0.8 * norm(plain)


def test_same_seed_same_parameters(rng):
    data = _dataset(rng)
    a, b = _bc(5, data), _bc(5, data)
    a.train(64)
    b.train(64)
    for pa, pb in zip(a.policy.state_dict().values(), b.policy.state_dict().values()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)


def test_critic_is_not_trained(rng):
    bc = _bc(0, _dataset(rng))
    before = [p.clone() for p in bc.policy.value_net.parameters()]
    bc.train(32)
    for old, new in zip(before, bc.policy.value_net.parameters()):
        torch.testing.assert_close(old, new)


def _gaussian_bc(seed, n=1000):
    rng = np.random.default_rng(seed)
    obs = rng.normal(size=(n, 3)).astype(np.float32) * 2 + 1
    acts = np.tanh(obs[:, :2]).astype(np.float32)
    data = Transitions(obs=obs, acts=acts, next_obs=obs, dones=np.zeros(n, bool))
    torch.manual_seed(seed)
    policy = make_policy(OBS, gym.spaces.Box(-1, 1, (2,), np.float32), PolicyConfig())
    return BC(
        policy=policy,
        demonstrations=data,
        batch_size=64,
        lr=3e-3,
        l2_weight=1e-3,
        ent_weight=1e-3,
        logger=MemoryLogger(),
        rng=np.random.default_rng(seed),
        log_interval=20,
    )


def test_seeds_trained_together_match_each_seed_alone():
    alone = [_gaussian_bc(seed) for seed in range(3)]
    for bc in alone:
        bc.train(60)
    together = [_gaussian_bc(seed) for seed in range(3)]
    rounds: list[list[RoundEnd]] = [[], [], []]
    train_together(together, [60] * 3, [r.append for r in rounds])
    for single, batched, seen in zip(alone, together, rounds, strict=True):
        assert batched.steps_done == 60 and batched.epochs_done == 3 and len(seen) == 3
        assert single.logger.points.keys() == batched.logger.points.keys()
        for key, points in single.logger.points.items():
            steps, values = zip(*points, strict=True)
            assert [s for s, _ in batched.logger.points[key]] == list(steps)
            assert [v for _, v in batched.logger.points[key]] == list(values)
        for a, b in zip(single.policy.state_dict().values(), batched.policy.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)  # bit for bit
        for a, b in zip(single.optimizer.state.values(), batched.optimizer.state.values()):
            torch.testing.assert_close(a["exp_avg_sq"], b["exp_avg_sq"], rtol=0, atol=0)


def test_seeds_with_other_data_sizes_or_budgets_train_in_their_own_groups():
    sizes = [_gaussian_bc(0, n=1000), _gaussian_bc(1, n=700), _gaussian_bc(2, n=1000)]
    train_together(sizes, [40, 40, 25], [None] * 3)
    assert [bc.steps_done for bc in sizes] == [40, 40, 25]
    alone = _gaussian_bc(1, n=700)
    alone.train(40)
    for a, b in zip(alone.policy.parameters(), sizes[1].policy.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
