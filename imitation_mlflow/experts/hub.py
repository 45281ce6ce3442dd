"""Expert models on the Hugging Face hub, through the real ``huggingface_hub`` client.

The hub's location, cache and offline mode are ``huggingface_hub``'s own settings
(``HF_ENDPOINT``, ``HF_HOME``, ``HF_HUB_OFFLINE``, ``HF_TOKEN``); datasets are in
:mod:`imitation_mlflow.data.hub`.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from huggingface_hub import hf_hub_download

from imitation_mlflow.config.env_ids import repo_name
from imitation_mlflow.data.hub import HUB_ERRORS, HUB_ORGANIZATION, endpoint, is_offline, reason
from imitation_mlflow.errors import UserError


@dataclasses.dataclass(frozen=True)
class HubFile:
    """A file fetched from the hub: its local copy and the exact commit it came from."""

    path: Path
    repo_id: str
    revision: str
    """The commit hash the file was resolved to (not the branch name asked for)."""


def hub_repo_id(gym_id: str, organization: str | None = None) -> str:
    """``HumanCompatibleAI/ppo-seals-CartPole-v0`` for ``seals/CartPole-v0``."""
    return f"{organization or HUB_ORGANIZATION}/{repo_name(gym_id)}"


TRUSTED_OWNERS_ENV = "IMITATION_MLFLOW_TRUSTED_HUB_OWNERS"
"""Comma-separated hub owners whose experts load without ``--trust-expert-source``."""


def trusted_owners() -> list[str]:
    """The hub owners trusted by default: :data:`TRUSTED_OWNERS_ENV`, else HumanCompatibleAI."""
    named = [owner.strip() for owner in os.environ.get(TRUSTED_OWNERS_ENV, "").split(",")]
    return [owner for owner in named if owner] or [HUB_ORGANIZATION]


def check_trusted(repo_id: str, trust: bool) -> None:
    """Refuse, before downloading, an expert repo whose owner is not trusted (unless ``trust``).

    An SB3 zip is unpickled when it loads, so it can run any code.
    """
    owners = trusted_owners()
    if trust or repo_id.split("/")[0] in owners:
        return
    raise UserError(
        f"hub repo {repo_id!r} is not from a trusted owner ({', '.join(owners)}): an expert "
        "zip is pickled code that runs when it loads; pass --trust-expert-source "
        f"(expert.trust_source=true) if you trust it, or add its owner to {TRUSTED_OWNERS_ENV}"
    )


def download_expert(repo_id: str, revision: str | None = None, trust: bool = False) -> HubFile:
    """Download (or find in the hub cache) ``<repo name>.zip`` of the model repo ``repo_id``.

    Offline (``HF_HUB_OFFLINE=1``) only the cache is read. A file that is neither cached
    nor reachable, or a repo of an untrusted owner (see :func:`check_trusted`), is a
    ``UserError`` naming the ways forward.
    """
    check_trusted(repo_id, trust)
    filename = f"{repo_id.split('/')[-1]}.zip"
    try:
        local = hf_hub_download(repo_id, filename, revision=revision)
    except HUB_ERRORS as exc:
        raise hub_error(repo_id, revision, exc) from exc
    path = Path(local)
    return HubFile(path=path, repo_id=repo_id, revision=_snapshot_commit(path, filename))


def hub_error(repo_id: str, revision: str | None, exc: BaseException) -> UserError:
    """The one message for an expert the hub cannot give us, naming every way forward."""
    where = f"{repo_id!r} (revision {revision or 'main'})"
    if is_offline():
        why = "HF_HUB_OFFLINE is set and the hub cache holds no copy"
    else:
        why = f"{endpoint()}: {reason(exc)}"
    return UserError(
        f"no expert {where}: {why}. Train one with `imitation-mlflow expert train ENV`, "
        "pass an SB3 PPO zip with --expert-path (expert.path=...), or point HF_ENDPOINT at a "
        "hub that has it (and unset HF_HUB_OFFLINE)"
    )


def _snapshot_commit(path: Path, filename: str) -> str:
    # The hub cache keeps files at .../snapshots/<commit>/<filename>.
    depth = len(Path(filename).parts)
    return path.parents[depth - 1].name
