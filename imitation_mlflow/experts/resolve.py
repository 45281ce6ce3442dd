"""Which expert a run uses: resolve (path, store, registry, shipped, hub), load, check."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO

import imitation_mlflow.envs  # noqa: F401  (registers the seals/* ids)
from imitation_mlflow.config.env_ids import registered_expert_name
from imitation_mlflow.config.sections import ExpertConfig
from imitation_mlflow.errors import UserError
from imitation_mlflow.experts import hub
from imitation_mlflow.experts.shipped import shipped_envs, shipped_expert_path, shipped_experts
from imitation_mlflow.experts.store import (
    file_sha256,
    promoted_expert,
    store_dir,
    store_expert_path,
)

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ExpertRef:
    """A resolved expert: where its SB3 PPO zip lies and how we found it."""

    path: Path
    origin: str
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
            "expert_source": self.origin,
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


@dataclasses.dataclass(frozen=True)
class Expert:
    """A resolved, loaded expert whose spaces match the run's environment."""

    ref: ExpertRef
    model: PPO

    def act(self, obs: np.ndarray) -> np.ndarray:
        """The expert's most likely actions for a ``(batch, *obs_shape)`` batch (labels)."""
        return np.asarray(self.model.predict(obs, deterministic=True)[0])


def load_checked_expert(gym_id: str, settings: ExpertConfig) -> Expert:
    """Resolve, load and check the expert a run with ``settings`` on ``gym_id`` uses.

    Every failure (nothing found, a broken file, an expert of another environment) is a
    ``UserError`` naming the fix.
    """
    ref = resolve_expert(gym_id, settings)
    model = load_expert(ref)
    check_expert_matches_env(model, gym_id, ref)
    return Expert(ref, model)


AUTO = ExpertConfig()
"""Expert settings that take the first expert found (the default)."""


def resolve_expert(gym_id: str, settings: ExpertConfig = AUTO) -> ExpertRef:
    """Find the expert for ``gym_id``.

    An explicit path wins. ``auto`` takes the strongest recorded expert among the local
    expert store's promoted one, the strongest ``expert-<env>`` in the MLflow model
    registry, the expert shipped with the package and the hub (``repo_id``, default
    ``HumanCompatibleAI/ppo-<env>``, at ``revision``; only its cache when
    ``HF_HUB_OFFLINE`` is set), unless a store expert was promoted with ``--promote``; see
    :func:`_auto`. Any other ``source`` takes only that place. Nothing found is a
    ``UserError`` naming the ways to get one.
    """
    if settings.path or settings.source == "path":
        return _explicit(settings.path)
    if settings.source == "hub":
        return _from_hub(gym_id, settings)
    if settings.source == "auto":
        return _auto(gym_id, settings)
    finders = {"store": _stored, "registry": _registered_ref, "shipped": _shipped}
    found = finders[settings.source](gym_id)
    if found is None:
        raise UserError(_missing(settings.source, gym_id))
    return found


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A place ``auto`` may take the expert from, with the return recorded for it."""

    where: str
    mean_return: float | None
    find: Callable[[], ExpertRef | None]
    forced: bool = False
    """A store expert promoted with ``--promote``: taken first, whatever its return."""


def _auto(gym_id: str, settings: ExpertConfig) -> ExpertRef:
    """The strongest recorded expert; an explicitly promoted store expert comes first.

    Candidates whose return is unknown (an unindexed store file, a registered version
    without a ``return`` tag, an env without a published hub return) come after all known
    ones, in the order store, registry, shipped, hub. The hub, when it cannot be reached,
    gives way to the next candidate.
    """
    places = candidates(gym_id, settings)
    failures: list[str] = []
    for candidate in [c for c in places if c.forced] + _ranked(places):
        try:
            found = candidate.find()
        except UserError as exc:
            failures.append(str(exc))
            continue
        if found is not None:
            if failures:
                log.warning(
                    "expert unavailable (%s); using the %s expert", failures[0], found.origin
                )
            return found
    raise UserError(failures[0] if failures else _missing("shipped", gym_id))


def candidates(gym_id: str, settings: ExpertConfig = AUTO) -> list[Candidate]:
    """Every place ``auto`` resolution looks, with its recorded return.

    The hub is asked only when a candidate's ``find`` is called; a registry version is
    downloaded (once, into the cache) to be a candidate.
    """
    found: list[Candidate] = []
    stored = promoted_expert(gym_id)
    if stored is not None:
        store_ref = _store_ref(stored.path)
        found.append(Candidate("store", stored.mean_return, lambda: store_ref, stored.forced))
    elif store_expert_path(gym_id).is_file():
        found.append(Candidate("store", None, lambda: _stored(gym_id)))
    registered = _registered(gym_id)
    if registered is not None:
        ref, mean_return = registered
        found.append(Candidate("registry", mean_return, lambda: ref))
    record = shipped_experts().get(gym_id)
    shipped = _shipped(gym_id)
    if shipped is not None:
        found.append(
            Candidate("shipped", record.return_sampled if record else None, lambda: shipped)
        )
    hub_return = record.hub_return if record else None
    found.append(Candidate("hub", hub_return, lambda: _from_hub(gym_id, settings)))
    return found


def _ranked(found: list[Candidate]) -> list[Candidate]:
    known = sorted(
        (c for c in found if c.mean_return is not None),
        key=lambda c: -(c.mean_return or 0.0),
    )  # sorted() is stable: equal returns keep the order store, registry, shipped, hub
    return known + [c for c in found if c.mean_return is None]


def strongest_known(gym_id: str) -> Candidate | None:
    """The candidate with the highest recorded return for ``gym_id``, if any is recorded."""
    known = [c for c in candidates(gym_id) if c.mean_return is not None]
    return _ranked(known)[0] if known else None


def _missing(source: str, gym_id: str) -> str:
    if source == "store":
        return (
            f"the local expert store has no expert for {gym_id} (looked for "
            f"{store_expert_path(gym_id)}); train one with `imitation-mlflow expert train ENV`"
        )
    if source == "registry":
        return (
            f"the MLflow model registry has no {registered_expert_name(gym_id)!r}; train one "
            "with `imitation-mlflow expert train ENV` against this tracking server"
        )
    return (
        f"no expert ships with the package for {gym_id}; experts ship for: "
        f"{', '.join(shipped_envs())}"
    )


def _stored(gym_id: str) -> ExpertRef | None:
    path = store_expert_path(gym_id)
    return _store_ref(path) if path.is_file() else None


def _store_ref(path: Path) -> ExpertRef:
    return ExpertRef(path=path, origin="store", sha256=file_sha256(path))


def _shipped(gym_id: str) -> ExpertRef | None:
    path = shipped_expert_path(gym_id)
    if path is None:
        return None
    return ExpertRef(path=path, origin="shipped", sha256=file_sha256(path))


def _registered(gym_id: str) -> tuple[ExpertRef, float | None] | None:
    """The strongest registered ``expert-<env>`` version, and its recorded return."""
    from imitation_mlflow.tracking.models import best_registered_zip  # MLflow: when asked

    found = best_registered_zip(registered_expert_name(gym_id), store_dir() / "registry")
    if found is None:
        return None
    path, uri, mean_return = found
    ref = ExpertRef(path=path, origin="registry", sha256=file_sha256(path), model_uri=uri)
    return ref, mean_return


def _registered_ref(gym_id: str) -> ExpertRef | None:
    found = _registered(gym_id)
    return found[0] if found is not None else None


def _from_hub(gym_id: str, settings: ExpertConfig) -> ExpertRef:
    repo_id = settings.repo_id or hub.hub_repo_id(gym_id)
    fetched = hub.download_expert(repo_id, settings.revision, trust=settings.trust_source)
    return ExpertRef(
        path=fetched.path,
        origin="hub",
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
            f"expert file {explicit_path!r} does not exist (or is not a regular file); pass the "
            "path of an SB3 PPO zip as expert.path=... (or --expert-path)"
        )
    return ExpertRef(path=path.resolve(), origin="path", sha256=file_sha256(path))


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
    try:
        observation_space, action_space = env.observation_space, env.action_space
    finally:
        env.close()
    if expert.observation_space.shape != observation_space.shape or (
        expert.action_space != action_space
        and getattr(expert.action_space, "shape", None) != action_space.shape
    ):
        raise UserError(
            f"expert {str(ref.path)!r} was trained on other spaces ({expert.observation_space}, "
            f"{expert.action_space}) than {gym_id} ({observation_space}, "
            f"{action_space}); pass an expert for {gym_id}"
        )
