"""Train BC (and DAgger) the published way: ``train_imitation bc with bc_seals_half_cheetah``."""

from __future__ import annotations

import sys

from imitation_mlflow.scripts.sacred_shim import Experiment

train_imitation_ex = Experiment("train_imitation")


def main() -> None:
    """Entry point of ``python -m imitation_mlflow.scripts.train_imitation``."""
    sys.exit(train_imitation_ex.main())


if __name__ == "__main__":
    main()
