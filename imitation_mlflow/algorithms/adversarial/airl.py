"""AIRL (Fu et al., 2018): adversarial inverse RL with a shaped, transferable reward.

D = exp(f) / (exp(f) + pi(a|s)) with f(s, a, s') = g(s, a) + gamma h(s') - h(s), so the
logit is f - log pi(a|s); the generator is trained on f, and g is the transferable reward.
"""

from __future__ import annotations

import torch
from torch import nn

from imitation_mlflow.algorithms.adversarial.common import AdversarialTrainer
from imitation_mlflow.algorithms.reward_nets import ShapedReward
from imitation_mlflow.data.trajectories import Transitions


class AIRL(AdversarialTrainer):
    """Adversarial inverse reinforcement learning over a :class:`ShapedReward` net."""

    def shaped_reward(self, batch: Transitions) -> torch.Tensor:
        """f(s, a, s')."""
        obs, acts, next_obs, dones = self.tensors(batch)
        return self.reward_net(obs, acts, next_obs, dones)

    def logits(self, batch: Transitions) -> torch.Tensor:
        """f(s, a, s') - log pi(a|s) under the current generator."""
        obs, acts, _, _ = self.tensors(batch)
        with torch.no_grad():
            _, log_prob, _ = self.gen_algo.policy.evaluate_actions(obs, acts)
        return self.shaped_reward(batch) - log_prob

    def reward_from_logits(self, batch: Transitions) -> torch.Tensor:
        """f(s, a, s'): the policy's entropy term comes from PPO's own entropy bonus."""
        return self.shaped_reward(batch)

    def reward_modules(self) -> dict[str, nn.Module]:
        """``reward_net`` (f) and ``reward_g`` (g(s, a), the reward that transfers)."""
        assert isinstance(self.reward_net, ShapedReward)
        return {"reward_net": self.reward_net, "reward_g": self.reward_net.base}
