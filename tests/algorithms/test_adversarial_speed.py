"""The speed-ups of GAIL/AIRL training compute exactly what the plain path computes."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch

from imitation_mlflow.algorithms.adversarial import AIRL, GAIL, common
from imitation_mlflow.data import Transitions
from tests.algorithms.test_adversarial import make_trainer


def _plain_generator_reward(self, obs, acts, next_obs, dones):
    """The reward as it was computed before: modes switched on every vectorized step."""
    batch = Transitions(obs=obs, acts=acts, next_obs=next_obs, dones=dones)
    with torch.no_grad():
        self.reward_net.eval()
        reward = self.reward_from_logits(batch)
        self.reward_norm.train()
        reward = self.reward_norm(reward.unsqueeze(1)).squeeze(1)
    return reward.numpy()


def _train(cls, rounds):
    trainer, logger = make_trainer(cls, seed=4)
    trainer.train(rounds * trainer.round_steps)
    return trainer, logger


@pytest.mark.parametrize("cls", [GAIL, AIRL])
def test_fast_path_equals_plain_path(cls, monkeypatch):
    fast, fast_log = _train(cls, 2)

    monkeypatch.setattr(common, "unvalidated_distributions", contextlib.nullcontext)
    monkeypatch.setattr(common.AdversarialTrainer, "_generator_reward", _plain_generator_reward)
    plain, plain_log = make_trainer(cls, seed=4)
    for group in plain.gen_algo.policy.optimizer.param_groups:
        group["foreach"] = False  # the per-tensor Adam loop
    plain.train(2 * plain.round_steps)

    for module in ("policy", "reward_net", "reward_norm"):
        a, b = getattr(fast, module).state_dict(), getattr(plain, module).state_dict()
        assert a.keys() == b.keys()
        for key in a:
            torch.testing.assert_close(a[key], b[key], rtol=0, atol=0, msg=f"{module}.{key}")
    for key in ("disc/loss", "gen/train/value_loss", "gen/train/policy_gradient_loss"):
        assert fast_log.points[key] == plain_log.points[key], key
    np.testing.assert_array_equal(fast.replay.data.obs, plain.replay.data.obs)


def test_unvalidated_distributions_restores_the_default():
    before = torch.distributions.Distribution._validate_args
    with common.unvalidated_distributions():
        assert not torch.distributions.Normal(torch.zeros(1), torch.ones(1))._validate_args
    assert torch.distributions.Distribution._validate_args == before


def test_generator_adam_is_foreach():
    trainer, _ = make_trainer(GAIL)
    optimizer = trainer.gen_algo.policy.optimizer
    assert optimizer.defaults["foreach"] is True and optimizer.defaults["eps"] == 1e-5
