"""Where a study lives: an RDB URL (PostgreSQL, MySQL, SQLite) or an optuna journal file."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

from imitation_mlflow.errors import UserError

JOURNAL_PREFIX = "journal:"
HEARTBEAT_SECONDS = 30
"""RDB workers beat this often; a trial silent for 4 beats (a killed machine) is failed."""


def open_storage(url: str) -> BaseStorage:
    """Open the shared storage named by ``url``, so workers anywhere can join one study.

    ``journal:PATH`` (or a path ending in ``.journal``/``.log``) is optuna's journal file on
    a shared disk; anything else is an SQLAlchemy URL such as ``sqlite:///optuna.db`` or
    ``postgresql://user:pw@host/db``.
    """
    if url.startswith(JOURNAL_PREFIX) or url.endswith((".journal", ".log")):
        path = Path(url.removeprefix(JOURNAL_PREFIX)).expanduser()
        if not path.parent.is_dir():
            raise UserError(f"journal storage directory {str(path.parent)!r} does not exist")
        return JournalStorage(JournalFileBackend(str(path)))
    if "://" not in url:
        raise UserError(
            f"--storage {url!r} is neither a database URL (sqlite:///optuna.db, "
            "postgresql://user:password@host/db) nor a journal file (journal:/shared/study.journal)"
        )
    try:
        return _rdb_storage(url)
    except (ImportError, ModuleNotFoundError) as exc:
        raise UserError(f"--storage {url!r} needs a database driver: {exc}") from None
    except Exception as exc:  # SQLAlchemy raises many kinds for a bad URL or server
        raise UserError(f"cannot open optuna storage {mask_url(url)!r}: {exc}") from None


def _rdb_storage(url: str) -> RDBStorage:
    """The RDB storage at ``url``; creating its schema again if another worker raced us.

    Workers started together on a new database both try to create optuna's tables; the
    loser's insert of the schema version fails on the unique key, and a second open then
    finds the tables the winner made.
    """
    from sqlalchemy.exc import IntegrityError, OperationalError

    for delay in (0.5, 1.0):
        try:
            return _open_rdb(url)
        except (IntegrityError, OperationalError):
            time.sleep(delay)
    return _open_rdb(url)


def _open_rdb(url: str) -> RDBStorage:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RDBStorage(
            url, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=4 * HEARTBEAT_SECONDS
        )


def mask_url(url: str) -> str:
    """``url`` with any password hidden, for logs and MLflow params."""
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not an SQLAlchemy URL: keep only the scheme
        return url.split("://", 1)[0] + "://..."


def fail_stale_trials(study: optuna.Study, storage: BaseStorage) -> None:
    """Fail trials of workers that stopped beating (RDB storages only)."""
    if isinstance(storage, RDBStorage):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
