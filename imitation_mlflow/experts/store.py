"""Resolve which expert a run uses and load it."""

from __future__ import annotations

import dataclasses
import hashlib
from importlib import resources
from pathlib import Path

import gymnasium as gym
from stable_baselines3 import PPO

import imitation_mlflow.envs  # noqa: F401  (registers the seals/* ids)
from imitation_mlflow.errors import UserError, unknown_choice
from imitation_mlflow.experts import hub
from imitation_mlflow.paths import cache_dir, repo_name

SOURCES = ("auto", "path", "store", "shipped", "hub")
"""Where a run may take its expert from; ``auto`` tries path, store, shipped, hub in order."""


@dataclasses.dataclass(frozen=True)
class ExpertRef:
    """A resolved expert: where its SB3 PPO zip lies and how we found it."""

    path: Path
    source: str
    """``path`` (given explicitly), ``store`` (local expert store), ``shipped`` (package
    data) or ``hub`` (downloaded, or read from the hub cache)."""
    sha256: str
    repo_id: str | None = None
    """The hub repository, for ``hub`` experts."""
    revision: str | None = None
    """The hub commit hash, for ``hub`` experts."""

    def tags(self) -> dict[str, str]:
        """Run tags saying exactly which expert was used."""
        tags = {
            "expert_source": self.source,
            "expert_path": str(self.path),
            "expert_sha256": self.sha256,
        }
        if self.repo_id is not None:
            tags["expert_repo_id"] = self.repo_id
        if self.revision is not None:
            tags["expert_revision"] = self.revision
        return tags


def store_dir() -> Path:
    """The local expert store, ``<cache>/experts``, laid out like the hub (one folder per repo)."""
    return cache_dir() / "experts"


def store_expert_path(gym_id: str, root: Path | None = None) -> Path:
    """Where the store keeps the expert for ``gym_id``: ``<repo>/<repo>.zip``."""
    name = repo_name(gym_id)
    return (root or store_dir()) / name / f"{name}.zip"


def shipped_expert_path(gym_id: str) -> Path | None:
    """Return the expert shipped with the package for ``gym_id``, if there is one."""
    name = repo_name(gym_id)
    candidate = resources.files("imitation_mlflow.experts").joinpath(f"shipped/{name}/{name}.zip")
    path = Path(str(candidate))
    return path if path.is_file() else None


def shipped_envs() -> list[str]:
    """Environment ids that have an expert shipped with the package."""
    root = Path(str(resources.files("imitation_mlflow.experts").joinpath("shipped")))
    names = sorted(p.name for p in root.iterdir() if (p / f"{p.name}.zip").is_file())
    return [_gym_id_of(name) for name in names]


def _gym_id_of(name: str) -> str:
    # ppo-seals-CartPole-v0 -> seals/CartPole-v0
    _, namespace, rest = name.split("-", 2)
    return f"{namespace}/{rest}"


def resolve_expert(
    gym_id: str,
    explicit_path: str | None = None,
    *,
    source: str = "auto",
    repo_id: str | None = None,
    revision: str | None = None,
) -> ExpertRef:
    """Find the expert for ``gym_id``.

    ``auto`` takes the first of: the explicit path, the local expert store, the expert
    shipped with the package, the hub (``repo_id``, default ``HumanCompatibleAI/ppo-<env>``,
    at ``revision``; only its cache when ``HF_HUB_OFFLINE`` is set). Any other ``source``
    takes only that place. Nothing found is a ``UserError`` naming the ways to get one.
    """
    if source not in SOURCES:
        raise unknown_choice("expert source", source, list(SOURCES))
    if explicit_path or source == "path":
        return _explicit(explicit_path)
    if source in ("auto", "store"):
        stored = store_expert_path(gym_id)
        if stored.is_file():
            return ExpertRef(path=stored, source="store", sha256=file_sha256(stored))
        if source == "store":
            raise UserError(
                f"the local expert store has no expert for {gym_id} (looked for {stored}); "
                f"train one with `imitation-mlflow expert train ENV`"
            )
    if source in ("auto", "shipped"):
        shipped = shipped_expert_path(gym_id)
        if shipped is not None:
            return ExpertRef(path=shipped, source="shipped", sha256=file_sha256(shipped))
        if source == "shipped":
            raise UserError(
                f"no expert ships with the package for {gym_id}; experts ship for: "
                f"{', '.join(shipped_envs())}"
            )
    fetched = hub.download_expert(repo_id or hub.hub_repo_id(gym_id), revision)
    return ExpertRef(
        path=fetched.path,
        source="hub",
        sha256=file_sha256(fetched.path),
        repo_id=fetched.repo_id,
        revision=fetched.revision,
    )


def _explicit(explicit_path: str | None) -> ExpertRef:
    if not explicit_path:
        raise UserError("expert.source=path needs expert.path=/path/to/ppo.zip (or --expert-path)")
    path = Path(explicit_path).expanduser()
    if not path.is_file():
        raise UserError(
            f"expert file {explicit_path!r} does not exist; pass the path of an SB3 PPO zip "
            "as expert.path=... (or --expert-path)"
        )
    return ExpertRef(path=path.resolve(), source="path", sha256=file_sha256(path))


def load_expert(ref: ExpertRef) -> PPO:
    """Load the expert's SB3 PPO model on the CPU; a broken file is a ``UserError``."""
    try:
        return PPO.load(ref.path, device="cpu")
    except Exception as exc:  # SB3 raises many kinds for a bad zip
        raise UserError(
            f"could not load expert {str(ref.path)!r} as an SB3 PPO zip ({exc}); "
            "pass a file saved by stable-baselines3 PPO.save"
        ) from exc


def check_expert_matches_env(expert: PPO, gym_id: str, ref: ExpertRef) -> None:
    """Refuse, before the run, an expert trained on another environment."""
    env = gym.make(gym_id)
    if expert.observation_space.shape != env.observation_space.shape or (
        expert.action_space != env.action_space
        and getattr(expert.action_space, "shape", None) != env.action_space.shape
    ):
        raise UserError(
            f"expert {str(ref.path)!r} was trained on other spaces ({expert.observation_space}, "
            f"{expert.action_space}) than {gym_id} ({env.observation_space}, "
            f"{env.action_space}); pass an expert for {gym_id}"
        )
    env.close()


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, recorded so a run says exactly which expert it used."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
