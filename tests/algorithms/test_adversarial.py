import numpy as np
import torch

from imitation_mlflow.algorithms.adversarial import AIRL, GAIL, RewardRelabel
from imitation_mlflow.algorithms.adversarial.common import ReplayBuffer
from imitation_mlflow.algorithms.base import seed_global_rngs
from imitation_mlflow.algorithms.logger import MemoryLogger
from imitation_mlflow.algorithms.ppo import make_ppo
from imitation_mlflow.algorithms.reward_nets import ShapedReward, StateActionReward
from imitation_mlflow.config import PolicyConfig, PPOKwargs
from imitation_mlflow.data import Transitions
from imitation_mlflow.envs import make_venv


def _transitions(n, value):
    obs = np.full((n, 4), value, np.float32)
    return Transitions(obs, np.zeros(n, int), obs, np.zeros(n, bool))


def test_replay_buffer_keeps_the_newest():
    buffer = ReplayBuffer(5)
    buffer.add(_transitions(4, 1.0))
    buffer.add(_transitions(3, 2.0))
    assert buffer.data.obs[:, 0].tolist() == [1.0, 1.0, 2.0, 2.0, 2.0]
    assert len(buffer.sample(10, np.random.default_rng(0))) == 10


def test_relabel_replaces_rewards_and_keeps_transitions():
    venv = make_venv("seals/CartPole-v0", num_vec=2, seed=0, max_episode_steps=3)
    wrapped = RewardRelabel(venv, lambda obs, acts, next_obs, dones: acts * 10.0 + 1)
    wrapped.reset()
    for _ in range(3):
        _, rewards, dones, infos = wrapped.step(np.array([0, 1]))
        assert rewards.tolist() == [1.0, 11.0]
    assert dones.all() and "episode" in infos[0]  # Monitor still sees the true episode
    samples = wrapped.pop_samples()
    assert len(samples) == 6 and samples.dones.sum() == 2
    np.testing.assert_allclose(samples.next_obs[-2], infos[0]["terminal_observation"])


def test_shaped_reward_masks_potential_at_episode_end():
    net = ShapedReward(
        make_venv("seals/CartPole-v0", num_vec=1, seed=0).observation_space,
        make_venv("seals/CartPole-v0", num_vec=1, seed=0).action_space,
        gamma=0.9,
        normalize_input=False,
    )
    obs, next_obs = torch.zeros(2, 4), torch.ones(2, 4)
    acts, dones = torch.tensor([0, 1]), torch.tensor([0.0, 1.0])
    f = net(obs, acts, next_obs, dones)
    g = net.base(obs, acts)
    expected = g + 0.9 * net.h(next_obs) * torch.tensor([1.0, 0.0]) - net.h(obs)
    torch.testing.assert_close(f, expected)


def make_trainer(cls, seed=0):
    venv = make_venv("seals/CartPole-v0", num_vec=2, seed=seed, max_episode_steps=50)
    torch.manual_seed(seed)
    gen = make_ppo(
        venv,
        PPOKwargs(batch_size=64, n_epochs=2),
        n_steps=64,
        policy=PolicyConfig(net_arch=(16,)),
    )
    spaces = (venv.observation_space, venv.action_space)
    net = ShapedReward(*spaces, gamma=0.99) if cls is AIRL else StateActionReward(*spaces)
    rng = np.random.default_rng(seed)
    obs = rng.normal(0, 0.05, (400, 4)).astype(np.float32)
    demos = Transitions(obs, (obs[:, 2] > 0).astype(int), obs, np.zeros(400, bool))
    logger = MemoryLogger()
    trainer = cls(
        venv=venv,
        demonstrations=demos,
        gen_algo=gen,
        reward_net=net,
        logger=logger,
        rng=rng,
        demo_batch_size=64,
        n_disc_updates_per_round=5,
        gen_replay_buffer_capacity=256,
        disc_lr=3e-3,
        normalize_reward=True,
    )
    seed_global_rngs(seed)
    return trainer, logger


def test_gail_and_airl_discriminators_learn_and_log():
    for cls in (GAIL, AIRL):
        trainer, logger = make_trainer(cls)
        rounds = []
        trainer.train(128 * 4, callback=rounds.append)
        assert [(r.round, r.done) for r in rounds] == [(1, 128), (2, 256), (3, 384), (4, 512)]
        accuracy = [v for _, v in logger.points["disc/accuracy"]]
        assert len(accuracy) == 20 and max(accuracy[-5:]) > 0.6, (cls, accuracy)
        assert {
            "disc/loss",
            "disc/expert_accuracy",
            "disc/generated_accuracy",
            "time/fps",
            "gen/train/policy_gradient_loss",
        } <= set(logger.points)


def test_same_seed_same_adversarial_result():
    for cls in (GAIL, AIRL):
        results = []
        for _ in range(2):
            trainer, logger = make_trainer(cls, seed=2)
            trainer.train(256)
            results.append(
                (
                    logger.points["disc/loss"],
                    [p.detach().clone() for p in trainer.gen_algo.policy.parameters()],
                )
            )
        assert results[0][0] == [(s, v) for s, v in results[1][0]]
        for a, b in zip(results[0][1], results[1][1]):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
