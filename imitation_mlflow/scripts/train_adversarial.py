"""Train GAIL or AIRL the published way: ``train_adversarial gail with gail_seals_swimmer``."""

from __future__ import annotations

import sys

from imitation_mlflow.scripts.sacred_shim import Experiment

train_adversarial_ex = Experiment("train_adversarial")


def main() -> None:
    """Entry point of ``python -m imitation_mlflow.scripts.train_adversarial``."""
    sys.exit(train_adversarial_ex.main())


if __name__ == "__main__":
    main()
