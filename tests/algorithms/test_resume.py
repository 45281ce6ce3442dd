"""Every algorithm stopped after round k and resumed from its checkpoint in a fresh process
state ends with the same parameters and the same curves as the run left uninterrupted."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from imitation_mlflow.algorithms.adversarial import AIRL, GAIL
from imitation_mlflow.algorithms.base import Algorithm, RoundEnd, seed_global_rngs
from imitation_mlflow.algorithms.logger import MemoryLogger
from imitation_mlflow.envs import make_venv
from imitation_mlflow.run.checkpoint import restore_checkpoint, write_checkpoint
from tests.algorithms.test_adversarial import make_trainer
from tests.algorithms.test_bc import _bc, _dataset
from tests.algorithms.test_dagger import make_dagger

Make = Callable[[], tuple[Algorithm, MemoryLogger]]


class Stop(Exception):
    """Ends training right after the checkpoint, as a kill would."""


def _bc_algorithm() -> tuple[Algorithm, MemoryLogger]:
    logger = MemoryLogger()
    return _bc(4, _dataset(np.random.default_rng(0), n=300), logger, log_interval=3), logger


def _dagger_algorithm() -> tuple[Algorithm, MemoryLogger]:
    logger = MemoryLogger()
    return make_dagger(1, logger), logger


CASES: dict[str, tuple[Make, int, int]] = {
    "bc": (_bc_algorithm, 2, 6 * 5),  # 5 batches an epoch: stop after epoch 2 of 6
    "dagger": (_dagger_algorithm, 2, 300),
    "gail": (lambda: make_trainer(GAIL, seed=3), 2, 5 * 128),
    "airl": (lambda: make_trainer(AIRL, seed=3), 2, 5 * 128),
}


def _curves(*loggers: MemoryLogger) -> dict[str, list[tuple[int, float]]]:
    """Every curve but the wall-clock ones, the loggers' points in order."""
    merged: dict[str, list[tuple[int, float]]] = {}
    for logger in loggers:
        for key, points in logger.points.items():
            if "time/" not in key:
                merged.setdefault(key, []).extend(points)
    return merged


def _parameters(algorithm: Algorithm) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in algorithm.policy.state_dict().items()}


@pytest.mark.parametrize("name", list(CASES))
def test_resumed_equals_uninterrupted(name, tmp_path):
    make, stop_round, total = CASES[name]
    venv = make_venv("seals/CartPole-v0", num_vec=1, seed=0)  # for policy.zip's spaces

    straight, straight_log = make()
    seed_global_rngs(11)
    straight.train(total)

    first, first_log = make()
    seed_global_rngs(11)

    def stop_after(end: RoundEnd) -> None:
        if end.round == stop_round:
            write_checkpoint(tmp_path, first, venv)
            raise Stop

    with pytest.raises(Stop):
        first.train(total, callback=stop_after)
    torch.rand(7), np.random.rand(7)  # whatever ran since: the checkpoint restores them

    resumed, resumed_log = make()
    restore_checkpoint(tmp_path, resumed)
    assert resumed.done == first.done < total
    resumed.train(total)

    assert resumed.done == straight.done
    expected, got = _parameters(straight), _parameters(resumed)
    assert expected.keys() == got.keys()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=0, atol=0, msg=key)
    assert _curves(first_log, resumed_log) == _curves(straight_log)
