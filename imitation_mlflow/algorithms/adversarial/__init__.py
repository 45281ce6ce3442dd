"""Adversarial imitation: one core (discriminator + PPO generator), GAIL and AIRL variants."""

from imitation_mlflow.algorithms.adversarial.airl import AIRL
from imitation_mlflow.algorithms.adversarial.common import AdversarialTrainer, RewardRelabel
from imitation_mlflow.algorithms.adversarial.gail import GAIL

__all__ = ["AIRL", "GAIL", "AdversarialTrainer", "RewardRelabel"]
