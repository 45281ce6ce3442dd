"""One root seed split once into independent streams for each part of a run."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class RunSeeds:
    """Integer seeds for each random stream of a run, derived from one root seed."""

    env: int
    demonstrations: int
    algorithm: int
    evaluation: int

    @classmethod
    def from_root(cls, seed: int) -> RunSeeds:
        """Split ``seed`` with ``SeedSequence``: same root, same streams; streams independent."""
        children = np.random.SeedSequence(seed).spawn(4)
        env, demos, algo, evaluation = (int(c.generate_state(1)[0] % (2**31)) for c in children)
        return cls(env=env, demonstrations=demos, algorithm=algo, evaluation=evaluation)
