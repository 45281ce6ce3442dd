"""Experts from the hub, against the stand-in hub of ``tests/hub_server.py`` (no network)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from imitation_mlflow.cli import cli
from imitation_mlflow.config import ExpertConfig
from imitation_mlflow.data.hub import download_demonstrations
from imitation_mlflow.errors import UserError
from imitation_mlflow.experts import resolve
from imitation_mlflow.experts.resolve import ExpertRef, load_expert
from imitation_mlflow.experts.shipped import shipped_envs, shipped_expert_path, shipped_experts
from imitation_mlflow.experts.store import file_sha256, keep_expert, promote

CARTPOLE = "seals/CartPole-v0"
REPO = "HumanCompatibleAI/ppo-seals-CartPole-v0"
ZIP = "ppo-seals-CartPole-v0.zip"


def _shipped() -> Path:
    path = shipped_expert_path(CARTPOLE)
    assert path is not None
    return path


def resolve_expert(gym_id: str, **settings) -> ExpertRef:
    return resolve.resolve_expert(gym_id, ExpertConfig(**settings))


def _publish(hub, repo_id: str = REPO, filename: str = ZIP) -> None:
    hub.add_file(repo_id, filename, _shipped().read_bytes())


def test_pull_downloads_and_loads_the_expert(hub):
    _publish(hub)
    ref = resolve_expert(CARTPOLE, source="hub")
    assert ref.origin == "hub" and ref.repo_id == REPO
    assert ref.revision == hub.repos[("model", REPO)].commit
    assert ref.sha256 == file_sha256(_shipped())
    assert load_expert(ref).observation_space.shape == (4,)
    assert len(hub.gets(f"/{ZIP}")) == 1
    assert ref.tags()["expert_revision"] == ref.revision


def test_second_pull_is_a_cache_hit(hub):
    _publish(hub)
    first = resolve_expert(CARTPOLE, source="hub")
    second = resolve_expert(CARTPOLE, source="hub")
    assert second.path == first.path
    assert len(hub.gets(f"/{ZIP}")) == 1  # the second only asked (HEAD) whether it changed
    assert sum(method == "HEAD" for method, _ in hub.requests) == 2


def test_offline_resolves_the_cached_file_without_requests(hub, offline_hub):
    _publish(hub)
    online = resolve_expert(CARTPOLE, source="hub")
    offline_hub(True)
    seen = len(hub.requests)
    offline = resolve_expert(CARTPOLE, source="hub")
    assert offline.path == online.path and offline.revision == online.revision
    assert len(hub.requests) == seen


def test_offline_with_empty_cache_is_one_clear_error():
    result = CliRunner().invoke(cli, ["expert", "pull", "seals_cartpole"])
    assert result.exit_code == 2
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    for fix in ("imitation-mlflow expert train", "--expert-path", "HF_ENDPOINT", "HF_HUB_OFFLINE"):
        assert fix in message


def test_missing_repo_online_names_the_fixes(hub):
    with pytest.raises(UserError, match="repository not found") as info:
        resolve_expert("seals/MountainCar-v0")
    assert "--expert-path" in str(info.value) and hub.url in str(info.value)
    with pytest.raises(UserError, match="invalid repo id"):
        resolve_expert(CARTPOLE, source="hub", repo_id="not a/valid repo", trust_source=True)


def test_cli_pull_with_organization(hub, monkeypatch):
    _publish(hub, "someone/ppo-seals-CartPole-v0")
    pull = ["expert", "pull", "seals/CartPole-v0", "--organization", "someone"]
    refused = CliRunner().invoke(cli, pull)
    assert refused.exit_code == 2 and hub.requests == []  # refused before any download
    assert "'someone/ppo-seals-CartPole-v0' is not from a trusted owner" in refused.stderr
    monkeypatch.setenv("IMITATION_MLFLOW_TRUSTED_HUB_OWNERS", "HumanCompatibleAI, someone")
    assert CliRunner().invoke(cli, pull).exit_code == 0
    monkeypatch.delenv("IMITATION_MLFLOW_TRUSTED_HUB_OWNERS")
    result = CliRunner().invoke(cli, [*pull, "--trust-expert-source"])
    assert result.exit_code == 0, result.output
    assert "someone/ppo-seals-CartPole-v0@" in result.output
    assert file_sha256(_shipped()) in result.output
    both = CliRunner().invoke(
        cli, ["expert", "pull", "seals_cartpole", "--organization", "a", "--repo-id", "a/b"]
    )
    assert both.exit_code == 2


def test_auto_falls_back_to_the_hub_when_nothing_is_local(hub):
    hub.add_file("HumanCompatibleAI/ppo-seals-MountainCar-v0", "ppo-seals-MountainCar-v0.zip", b"x")
    ref = resolve_expert("seals/MountainCar-v0")
    assert ref.origin == "hub" and ref.path.read_bytes() == b"x"


def test_shipped_expert_resolves_without_asking_the_hub(hub):
    ref = resolve_expert(CARTPOLE)
    assert ref.origin == "shipped" and hub.requests == []


def test_a_store_expert_as_strong_as_the_shipped_one_comes_first(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path))
    kept = keep_expert(CARTPOLE, _shipped(), mean_return=500.0)
    stored = promote(CARTPOLE, file_sha256(kept), forced=False)
    ref = resolve_expert(CARTPOLE)
    assert ref.origin == "store" and ref.path == stored and hub.requests == []
    assert resolve_expert(CARTPOLE, source="shipped").origin == "shipped"
    with pytest.raises(UserError, match="unknown value 'anywhere'; valid choices: auto"):
        resolve_expert(CARTPOLE, source="anywhere")


def _publish_demonstrations(hub, tmp_path, counts=(2, 1)) -> list:
    from imitation_mlflow.data import Trajectory
    from imitation_mlflow.data.parquet import write_trajectories

    rng = np.random.default_rng(0)
    written = []
    for index, count in enumerate(counts):
        trajectories = [
            Trajectory(
                obs=rng.normal(size=(4, 4)),
                acts=np.array([0, 1, 0]),
                rews=np.ones(3),
                terminal=True,
            )
            for _ in range(count)
        ]
        name = f"data/train-{index:05d}-of-{len(counts):05d}.parquet"
        path = write_trajectories(trajectories, tmp_path / name)
        hub.add_file(REPO, name, path.read_bytes(), repo_type="dataset")
        written.extend(trajectories)
    hub.add_file(REPO, "README.md", b"# card", repo_type="dataset")
    return written


def test_demonstrations_from_the_hub_dataset(hub, tmp_path, offline_hub):
    written = _publish_demonstrations(hub, tmp_path)
    demos = download_demonstrations(REPO, None, 3)
    assert demos.origin == "hub" and len(demos.trajectories) == 3
    for a, b in zip(written, demos.trajectories, strict=True):
        np.testing.assert_array_equal(a.obs, b.obs)
    commit = hub.repos[("dataset", REPO)].commit
    assert demos.uri.endswith(f"/datasets/{REPO}/tree/{commit}")
    assert not hub.gets("README.md")  # only data/train-*.parquet is fetched
    assert len(download_demonstrations(REPO, None, 2).trajectories) == 2
    offline_hub(True)
    assert download_demonstrations(REPO, None, 3).digest == demos.digest
    with pytest.raises(UserError, match="fewer than demonstrations.n_expert_demos=4"):
        download_demonstrations(REPO, None, 4)


def test_missing_dataset_names_the_rollout_fallback(hub):
    with pytest.raises(UserError, match="demonstrations.source=rollout"):
        download_demonstrations(REPO, None, 1)


def test_push_publishes_expert_card_and_demonstrations(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path / "cache"))
    args = ["expert", "push", "seals_cartpole", "--repo-id", "me/cartpole-expert"]
    result = CliRunner().invoke(cli, [*args, "--n-demos", "3", "--eval-episodes", "2"])
    assert result.exit_code == 0, result.output
    model = hub.repos[("model", "me/cartpole-expert")]
    assert model.files["cartpole-expert.zip"] == _shipped().read_bytes()
    assert "PPO expert for seals/CartPole-v0" in model.files["README.md"].decode()
    assert json.loads(model.files["results.json"])["evaluation"]["n_traj"] == 2
    assert f"@ {model.commit}" in result.output and hub.card_errors == []
    # What was pushed is what a run pulls: the expert and its demonstrations.
    untrusted = r"'me/cartpole-expert' is not from a trusted owner \(HumanCompatibleAI\)"
    with pytest.raises(UserError, match=untrusted):
        resolve_expert(CARTPOLE, source="hub", repo_id="me/cartpole-expert")
    ref = resolve_expert(CARTPOLE, source="hub", repo_id="me/cartpole-expert", trust_source=True)
    assert ref.sha256 == file_sha256(_shipped())
    demos = download_demonstrations("me/cartpole-expert", None, 3)
    assert len(demos.trajectories) == 3 and all(len(t) > 0 for t in demos.trajectories)


def test_push_checks_its_arguments():
    result = CliRunner().invoke(cli, ["expert", "push", "seals_cartpole", "--repo-id", "x"])
    assert result.exit_code == 2 and "ORG/NAME" in result.output


def test_pull_with_demonstrations_serves_offline_runs(hub, tmp_path, offline_hub):
    _publish(hub)
    written = _publish_demonstrations(hub, tmp_path)
    args = ["expert", "pull", "seals_cartpole", "--with-demonstrations"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "pulled 3 demonstrations" in result.output
    offline_hub(True)
    demos = download_demonstrations(REPO, None, 3)
    np.testing.assert_array_equal(demos.trajectories[2].obs, written[2].obs)


def test_dataset_without_parquet_files_is_a_user_error(hub):
    hub.add_file(REPO, "README.md", b"# no data", repo_type="dataset")
    with pytest.raises(UserError, match="has no data/train"):
        download_demonstrations(REPO, None, None)


def test_demonstrations_must_fit_the_env(hub, tmp_path):
    from imitation_mlflow.experts.demonstrations import conform_to_env

    _publish_demonstrations(hub, tmp_path)  # 4-dim observations, discrete actions
    demos = download_demonstrations(REPO, None, 3)
    assert conform_to_env(demos, CARTPOLE) is demos  # discrete actions stay as they are
    with pytest.raises(UserError, match="seals/MountainCar-v0 has \\(2,\\)"):
        conform_to_env(demos, "seals/MountainCar-v0")
    pendulum = [
        dataclasses.replace(t, obs=t.obs[:, :3], acts=np.zeros((len(t), 1), dtype=np.float64))
        for t in demos.trajectories
    ]
    cast = conform_to_env(dataclasses.replace(demos, trajectories=pendulum), "Pendulum-v1")
    assert all(t.acts.dtype == np.float32 for t in cast.trajectories)


def test_a_shipped_expert_weaker_than_the_hub_comes_after_it(hub, offline_hub, monkeypatch):
    weaker = dataclasses.replace(shipped_experts()[CARTPOLE], hub_return=10_000.0)
    monkeypatch.setattr(resolve, "shipped_experts", lambda: {CARTPOLE: weaker})
    _publish(hub)
    assert resolve_expert(CARTPOLE).origin == "hub"
    hub.repos.clear()
    offline_hub(True)  # the hub cache is empty for another revision: fall back to ours
    assert resolve_expert(CARTPOLE, revision="v2").origin == "shipped"


def test_shipped_records_cover_every_shipped_expert():
    records = shipped_experts()
    assert set(shipped_envs()) <= set(records)
    assert records["seals/Hopper-v1"].beats_hub
