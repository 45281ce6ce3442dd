"""Whether an expert is good enough for normalized scores to mean anything.

A normalized score divides by (expert - random). An expert barely better than the random
policy makes that denominator tiny: a weak CartPole expert (51.5 against random 32.8) once
turned a DAgger run into a "normalized score" of 78.9. Such a run is refused before it starts.
"""

from __future__ import annotations

import logging

from imitation_mlflow.errors import UserError
from imitation_mlflow.experts.resolve import ExpertRef
from imitation_mlflow.experts.shipped import shipped_experts

log = logging.getLogger(__name__)

MIN_GAP_IN_RANDOM_STDS = 1.0
"""The demonstrations must beat the random policy's mean by at least one random-episode std."""
FAR_BELOW_REFERENCE = 0.5
"""Warn when the expert closes less than this share of the random-to-reference gap."""


def check_expert_quality(
    gym_id: str, ref: ExpertRef, expert: dict[str, float], random: dict[str, float]
) -> None:
    """Refuse an expert not clearly better than random; warn when far below the reference.

    ``expert`` and ``random`` are return statistics (``monitor_return_mean``/``_std``) of the
    demonstrations and of the random policy. The reference is the published hub expert's
    return recorded for ``gym_id`` (``shipped/experts.toml``), where there is one.
    """
    expert_mean = expert["monitor_return_mean"]
    random_mean, random_std = random["monitor_return_mean"], random["monitor_return_std"]
    margin = MIN_GAP_IN_RANDOM_STDS * max(random_std, 1e-6 * max(1.0, abs(random_mean)))
    if expert_mean - random_mean <= margin:
        raise UserError(
            f"the {ref.origin} expert {str(ref.path)!r} returns {expert_mean:.4g} on its "
            f"demonstrations, not clearly above the random policy's {random_mean:.4g} "
            f"(std {random_std:.3g}), so normalized scores would be meaningless; use a stronger "
            "expert (--set expert.source=shipped, --expert-path, or `expert train` longer)"
        )
    record = shipped_experts().get(gym_id)
    if record is None:
        return
    closed = (expert_mean - random_mean) / max(record.hub_return - random_mean, 1e-9)
    if closed < FAR_BELOW_REFERENCE:
        log.warning(
            "the expert returns %.4g, far below the reference %.4g recorded for %s "
            "(random %.4g): scores against it are not comparable with published ones",
            expert_mean,
            record.hub_return,
            gym_id,
            random_mean,
        )
