import gymnasium as gym
import numpy as np
import torch

from imitation_mlflow.algorithms.base import RoundEnd
from imitation_mlflow.algorithms.bc import BC, actor_parameters
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
        return sum(p.square().sum().item() for p in actor_parameters(bc.policy))

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
