"""Train GAIL or AIRL the published way: ``train_adversarial gail with gail_seals_swimmer``."""

from __future__ import annotations

import sys

from imitation_mlflow.config import AdversarialConfig
from imitation_mlflow.scripts.sacred_shim import Experiment
from imitation_mlflow.trainers import TRAIN_SCRIPT

train_adversarial_ex = Experiment(
    "train_adversarial",
    [algo for algo, script in TRAIN_SCRIPT.items() if script == "train_adversarial"],
    AdversarialConfig,
)


def main() -> None:
    """Entry point of ``python -m imitation_mlflow.scripts.train_adversarial``."""
    sys.exit(train_adversarial_ex.main())


if __name__ == "__main__":
    main()
