"""One root seed split once into a named, independent stream for each consumer of a run."""

from __future__ import annotations

import dataclasses

import numpy as np

from imitation_mlflow.errors import UserError

SEED_BOUND = 2**31
"""Stream seeds are below this, so every library (torch, gymnasium, SB3) accepts them."""


@dataclasses.dataclass(frozen=True)
class RunSeeds:
    """Integer seeds of every random stream of a run, all derived from one root seed.

    The fields are spawned from ``SeedSequence(root)`` in declaration order; a new stream
    is appended at the end, so adding one leaves the existing streams unchanged.
    """

    env: int
    """Resets of the training environment copies."""
    demonstrations: int
    """Rolling out the expert demonstrations (env resets and the expert's sampled actions)."""
    init: int
    """Initialisation of the networks (policy, reward net), through torch's generator."""
    evaluation: int
    """The final evaluation episodes (env resets and the policy's sampled actions)."""
    training: int
    """Torch's and numpy's global generators while training (SB3 PPO samples its actions
    and shuffles its minibatches with them), and DAgger's learner's own action generator."""
    data_order: int
    """BC's minibatch order."""
    mixing: int
    """DAgger's draws between the expert's and the learner's action."""
    discriminator: int
    """GAIL/AIRL: which expert and generator transitions each discriminator update sees."""
    periodic_evaluation: int
    """Evaluations while training (e.g. expert training's checkpoint selection)."""

    @classmethod
    def from_root(cls, seed: int) -> RunSeeds:
        """Split ``seed`` with ``SeedSequence``: same root, same streams; streams independent."""
        fields = dataclasses.fields(cls)
        children = np.random.SeedSequence(seed).spawn(len(fields))
        values = (int(child.generate_state(1)[0] % SEED_BOUND) for child in children)
        return cls(**{field.name: value for field, value in zip(fields, values, strict=True)})


def parse_seed_list(text: str, option: str) -> list[int]:
    """``"0-9"``, ``"0,3,5"`` or ``"0-4,7"`` -> the seeds, in order, each once.

    ``option`` names the command-line option in the message of a ``UserError``.
    """
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise UserError(
                f"{option} takes seeds like 0-9 or 0,3,5 (integers and ranges), got {text!r}"
            ) from None
        if last < first:
            raise UserError(f"{option}: range {part.strip()!r} ends before it starts")
        seeds += [seed for seed in range(first, last + 1) if seed not in seeds]
    return seeds


def format_seed_list(seeds: list[int]) -> str:
    """The spelling :func:`parse_seed_list` reads back: ``[0, 1, 2, 5]`` -> ``"0-2,5"``."""
    parts: list[str] = []
    ordered = sorted(set(seeds))
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            parts.append(str(first) if first == last else f"{first}-{last}")
            start = i
    return ",".join(parts)
