"""Expert training: best-checkpoint selection on a tiny CartPole budget."""

from __future__ import annotations

import torch

from imitation_mlflow.algorithms.logger import MemoryLogger
from imitation_mlflow.experts.recipes import recipe_for
from imitation_mlflow.experts.training import train_expert

CARTPOLE = "seals/CartPole-v0"


def _train(select_every: int) -> tuple[dict[str, torch.Tensor], MemoryLogger]:
    logger = MemoryLogger()
    model = train_expert(
        CARTPOLE,
        seed=3,
        timesteps=3 * recipe_for(CARTPOLE).num_vec * recipe_for(CARTPOLE).n_steps,
        progress_bar=False,
        logger=logger,
        select_every=select_every,
        select_episodes=3,
    )
    return model.policy.state_dict(), logger


def test_selection_keeps_the_best_evaluated_checkpoint_reproducibly():
    rollout = recipe_for(CARTPOLE).num_vec * recipe_for(CARTPOLE).n_steps
    params, logger = _train(select_every=rollout)
    evaluations = logger.points["ppo/eval/mean_reward"]
    assert [step for step, _ in evaluations] == [rollout, 2 * rollout, 3 * rollout]
    best_return = max(value for _, value in evaluations)
    first_best = next(step for step, value in evaluations if value == best_return)
    ((step, value),) = logger.points["select/best_step"]
    assert step == first_best and value == float(first_best)

    again, _ = _train(select_every=rollout)
    assert all(torch.equal(params[k], again[k]) for k in params)
