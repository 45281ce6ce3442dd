"""GAIL (Ho & Ermon, 2016): generative adversarial imitation learning.

The discriminator logit is r(s, a); the generator maximises -log(1 - D(s, a)) = softplus(r).
"""

from __future__ import annotations

import torch

from imitation_mlflow.algorithms.adversarial.common import AdversarialTrainer
from imitation_mlflow.data.trajectories import Transitions


class GAIL(AdversarialTrainer):
    """Generative adversarial imitation learning over a state-action reward net."""

    def logits(self, batch: Transitions) -> torch.Tensor:
        """r(s, a)."""
        obs, acts, _, _ = self.tensors(batch)
        return self.reward_net(obs, acts)

    def reward_from_logits(self, batch: Transitions) -> torch.Tensor:
        """-log(1 - sigmoid(r)) = softplus(r)."""
        return torch.nn.functional.softplus(self.logits(batch))
