"""Resolve which expert a run uses and load it."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import tomllib
from importlib import resources
from pathlib import Path

import gymnasium as gym
from stable_baselines3 import PPO

import imitation_mlflow.envs  # noqa: F401  (registers the seals/* ids)
from imitation_mlflow.errors import UserError, unknown_choice
from imitation_mlflow.experts import hub
from imitation_mlflow.paths import cache_dir, repo_name

SOURCES = ("auto", "path", "store", "registry", "shipped", "hub")
"""Where a run may take its expert from; ``auto`` tries them in this order (see
:func:`resolve_expert` for where a shipped expert weaker than the hub's goes)."""

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ExpertRef:
    """A resolved expert: where its SB3 PPO zip lies and how we found it."""

    path: Path
    source: str
    """``path`` (given explicitly), ``store`` (local expert store), ``registry`` (MLflow
    model registry), ``shipped`` (package data) or ``hub`` (downloaded, or the hub cache)."""
    sha256: str
    repo_id: str | None = None
    """The hub repository, for ``hub`` experts."""
    revision: str | None = None
    """The hub commit hash, for ``hub`` experts."""
    model_uri: str | None = None
    """``models:/expert-<env>/<version>``, for ``registry`` experts."""

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
        if self.model_uri is not None:
            tags["expert_model_uri"] = self.model_uri
        return tags


@dataclasses.dataclass(frozen=True, kw_only=True)
class ShippedExpert:
    """How a shipped expert was trained and how good it is (``shipped/experts.toml``)."""

    command: str
    timesteps: int
    minutes: float
    return_sampled: float
    """Mean return over 50 episodes, sampled actions (as demonstrations are rolled out)."""
    return_deterministic: float
    hub_return: float
    """The hub expert's published return, for comparison."""

    @property
    def beats_hub(self) -> bool:
        """Whether ``auto`` should prefer it to the hub's expert."""
        return self.return_sampled >= self.hub_return


def shipped_experts() -> dict[str, ShippedExpert]:
    """The shipped experts' records, keyed by environment id."""
    text = resources.files("imitation_mlflow.experts").joinpath("shipped/experts.toml").read_text()
    return {gym_id: ShippedExpert(**record) for gym_id, record in tomllib.loads(text).items()}


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


def registered_name(gym_id: str) -> str:
    """The registry name of experts for ``gym_id``: ``expert-seals-CartPole-v0``."""
    return f"expert-{gym_id.replace('/', '-')}"


def resolve_expert(
    gym_id: str,
    explicit_path: str | None = None,
    *,
    source: str = "auto",
    repo_id: str | None = None,
    revision: str | None = None,
) -> ExpertRef:
    """Find the expert for ``gym_id``.

    ``auto`` takes the first of: the explicit path, the local expert store, the newest
    ``expert-<env>`` in the MLflow model registry, the expert shipped with the package, the
    hub (``repo_id``, default ``HumanCompatibleAI/ppo-<env>``, at ``revision``; only its
    cache when ``HF_HUB_OFFLINE`` is set). A shipped expert weaker than the hub's is tried
    after the hub, as the fallback when the hub cannot be reached. Any other ``source``
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
    if source in ("auto", "registry"):
        registered = _registered(gym_id)
        if registered is not None:
            return registered
        if source == "registry":
            raise UserError(
                f"the MLflow model registry has no {registered_name(gym_id)!r}; train one "
                "with `imitation-mlflow expert train ENV` against this tracking server"
            )
    shipped = _shipped(gym_id) if source in ("auto", "shipped") else None
    if source == "shipped":
        if shipped is None:
            raise UserError(
                f"no expert ships with the package for {gym_id}; experts ship for: "
                f"{', '.join(shipped_envs())}"
            )
        return shipped
    record = shipped_experts().get(gym_id)
    if shipped is not None and (record is None or record.beats_hub):
        return shipped
    try:
        fetched = hub.download_expert(repo_id or hub.hub_repo_id(gym_id), revision)
    except UserError as exc:
        if shipped is None:
            raise
        log.warning("hub expert unavailable (%s); using the shipped expert instead", exc)
        return shipped
    return ExpertRef(
        path=fetched.path,
        source="hub",
        sha256=file_sha256(fetched.path),
        repo_id=fetched.repo_id,
        revision=fetched.revision,
    )


def _shipped(gym_id: str) -> ExpertRef | None:
    path = shipped_expert_path(gym_id)
    return (
        None if path is None else ExpertRef(path=path, source="shipped", sha256=file_sha256(path))
    )


def _registered(gym_id: str) -> ExpertRef | None:
    from imitation_mlflow.tracking.models import latest_registered_zip

    found = latest_registered_zip(registered_name(gym_id), store_dir() / "registry")
    if found is None:
        return None
    path, uri = found
    return ExpertRef(path=path, source="registry", sha256=file_sha256(path), model_uri=uri)


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
