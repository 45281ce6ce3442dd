"""Datasets on the Hugging Face hub: demonstrations and random-policy trajectories.

They come through the real ``huggingface_hub`` client.
Everything about where the hub is and how it is reached comes from ``huggingface_hub``
itself: ``HF_ENDPOINT`` (another hub or a mirror), ``HF_HOME`` / ``HF_HUB_CACHE`` (its
download cache), ``HF_HUB_OFFLINE`` (cache only, no request) and ``HF_TOKEN``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx2
from huggingface_hub import constants, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from imitation_mlflow.data.cache import Demonstrations
from imitation_mlflow.data.parquet import read_trajectories
from imitation_mlflow.errors import UserError

HUB_ORGANIZATION = "HumanCompatibleAI"
"""Owner of the published experts and datasets (``HumanCompatibleAI/ppo-seals-CartPole-v0``)."""

HUB_ERRORS = (
    EntryNotFoundError,
    HfHubHTTPError,
    HFValidationError,
    OfflineModeIsEnabled,
    httpx2.HTTPError,
)
"""What the hub client raises for a missing or unreachable file, and transport errors."""

DEMONSTRATION_FILES = "data/train-*.parquet"
"""Files of a dataset repo that hold the demonstrations, one row per trajectory."""


def is_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` forbids requests (huggingface_hub's own setting)."""
    return bool(constants.is_offline_mode())


def endpoint() -> str:
    """The hub endpoint in use (``HF_ENDPOINT``, default https://huggingface.co)."""
    return str(constants.ENDPOINT)


def download_demonstrations(
    repo_id: str,
    revision: str | None,
    n_episodes: int | None,
    *,
    count_setting: str = "demonstrations.n_expert_demos",
    instead: str = "use demonstrations.source=rollout to roll them out from the expert instead",
) -> Demonstrations:
    """The first ``n_episodes`` (``None``: all) trajectories of the dataset repo ``repo_id``.

    Downloads ``data/train-*.parquet`` (or finds it in the hub cache) and reads the files in
    name order; fewer trajectories than asked for, or no such dataset, is a ``UserError``
    that names ``count_setting`` and says what to do ``instead``.
    """
    try:
        local = snapshot_download(
            repo_id,
            repo_type="dataset",
            revision=revision,
            allow_patterns=[DEMONSTRATION_FILES],
        )
    except HUB_ERRORS as exc:
        raise UserError(
            f"no demonstrations dataset {repo_id!r} (revision {revision or 'main'}) at "
            f"{endpoint()}: {reason(exc)}; {instead}"
        ) from exc
    root = Path(local)
    files = sorted(root.glob(DEMONSTRATION_FILES))
    if not files:
        raise UserError(f"dataset {repo_id!r} has no {DEMONSTRATION_FILES} files; {instead}")
    trajectories = read_trajectories(files, limit=n_episodes)
    if n_episodes is not None and len(trajectories) < n_episodes:
        raise UserError(
            f"dataset {repo_id!r} holds {len(trajectories)} trajectories in "
            f"{DEMONSTRATION_FILES}, fewer than {count_setting}={n_episodes}"
        )
    commit = root.name
    digest = hashlib.sha256(f"{repo_id}@{commit}:{len(trajectories)}".encode()).hexdigest()
    uri = f"{endpoint()}/datasets/{repo_id}/tree/{commit}"
    return Demonstrations(trajectories, files[0], digest, "hub", uri)


def reason(exc: BaseException) -> str:
    """Why the hub client failed, in a few words."""
    if isinstance(exc, RepositoryNotFoundError):
        return "repository not found"
    if isinstance(exc, RevisionNotFoundError):
        return "revision not found"
    if isinstance(exc, LocalEntryNotFoundError):
        return "hub unreachable and no copy in the cache (set HF_HUB_OFFLINE=1 to skip retries)"
    if isinstance(exc, EntryNotFoundError):
        return "file not found (or not cached)"
    if isinstance(exc, OfflineModeIsEnabled):
        return "offline mode is enabled"
    if isinstance(exc, HFValidationError):
        return f"invalid repo id or revision ({exc})"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
