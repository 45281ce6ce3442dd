"""Whether the tracking store answers, asked once before a command starts any work.

MLflow retries a failed HTTP request for minutes (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``) and
then ends in a traceback. A command that needs the store asks a tracking server once, with a
short timeout and no retries, and a server that is down or refuses the credentials becomes
one line naming the fix. Later requests keep MLflow's retries, so a server restart during a
run is waited out.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError

PROBE_TIMEOUT_S = 10
"""How long the one probe request may take."""
_PROBE_ENV = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}
_REFUSED = ("401", "403", "UNAUTHENTICATED", "PERMISSION_DENIED")


def check_tracking_store() -> None:
    """Raise a ``UserError`` when the tracking server named by the URI does not answer us.

    Only ``http(s)://`` stores are probed; a database or file store reports its own errors.
    """
    uri = mlflow.get_tracking_uri()
    if not uri.startswith(("http://", "https://")):
        return
    try:
        with _quick_requests():
            MlflowClient(uri).search_experiments(max_results=1)
    except MlflowException as exc:
        raise UserError(_explain(uri, str(exc))) from None


def _explain(uri: str, failure: str) -> str:
    if any(code in failure for code in _REFUSED):
        return (
            f"tracking server {uri} refused the request (not authenticated or not allowed); "
            "set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to an account it knows"
        )
    reason = failure.rsplit("] ", 1)[-1].rstrip("'\")") if "Errno" in failure else "no answer"
    return (
        f"tracking server {uri} does not answer ({reason}); start it, or point "
        "MLFLOW_TRACKING_URI at a reachable store (unset it for ./mlflow.db)"
    )


@contextlib.contextmanager
def _quick_requests() -> Iterator[None]:
    """MLflow's documented request settings set to one try with a short timeout, then restored."""
    saved = {key: os.environ.get(key) for key in _PROBE_ENV}
    os.environ.update(_PROBE_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
