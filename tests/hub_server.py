"""A stand-in Hugging Face hub on 127.0.0.1: the endpoints ``huggingface_hub`` 2.x calls to
download files (``hf_hub_download``, ``snapshot_download``) and to publish them
(``create_repo``, ``upload_folder`` with regular, non-LFS uploads; model card metadata is
checked as the hub does, ``/api/validate-yaml``).

Tests point ``HF_ENDPOINT`` at it; it records every request, so a test can tell a cache
hit (``HEAD`` only) from a download (``GET``).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import yaml


@dataclasses.dataclass
class Repo:
    """One repository's only branch, ``main``: its files and commit hash."""

    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    commit: str = "0" * 40

    def recommit(self) -> None:
        """A new commit hash derived from the content, like a push would make."""
        digest = hashlib.sha1()
        for name in sorted(self.files):
            digest.update(name.encode() + hashlib.sha1(self.files[name]).digest())
        self.commit = digest.hexdigest()


class StandInHub:
    """Repositories keyed by ``(repo_type, repo_id)``; ``repo_type`` is ``model`` or ``dataset``."""

    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[tuple[str, str]] = []
        self.card_errors: list[str] = []
        """Errors found in the YAML metadata of README.md files pushed (none expected)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, the value for ``HF_ENDPOINT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_file(self, repo_id: str, path: str, data: bytes, repo_type: str = "model") -> None:
        """Put ``data`` at ``path`` in the repo (created if missing), as a new commit."""
        repo = self.repos.setdefault((repo_type, repo_id), Repo())
        repo.files[path] = data
        repo.recommit()

    def gets(self, suffix: str) -> list[str]:
        """Paths of the ``GET`` requests that ended with ``suffix``."""
        return [path for method, path in self.requests if method == "GET" and path.endswith(suffix)]

    def start(self) -> StandInHub:
        """Serve on a free port in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()


def _handler(hub: StandInHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output clean

        def do_HEAD(self) -> None:  # noqa: N802
            self._dispatch("HEAD")

        def do_GET(self) -> None:  # noqa: N802
            self._dispatch("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._dispatch("POST")

        def _dispatch(self, method: str) -> None:
            path = unquote(urlsplit(self.path).path)
            hub.requests.append((method, path))
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = path.strip("/").split("/")
            if method == "POST" and path == "/api/repos/create":
                self._create(json.loads(body))
            elif method == "POST" and path == "/api/validate-yaml":
                self._validate_yaml(json.loads(body)["content"])
            elif parts[0] == "api" and len(parts) >= 4 and parts[1] in ("models", "datasets"):
                self._api(method, parts[1][:-1], "/".join(parts[2:4]), parts[4:], body)
            elif parts[0] == "datasets" and len(parts) >= 6 and parts[3] == "resolve":
                self._resolve(method, "dataset", "/".join(parts[1:3]), "/".join(parts[5:]))
            elif len(parts) >= 5 and parts[2] == "resolve":
                self._resolve(method, "model", "/".join(parts[0:2]), "/".join(parts[4:]))
            else:
                self._send(404, b"", {"X-Error-Code": "RepoNotFound"})

        def _resolve(self, method: str, repo_type: str, repo_id: str, filename: str) -> None:
            repo = hub.repos.get((repo_type, repo_id))
            if repo is None:
                self._send(404, b"", {"X-Error-Code": "RepoNotFound"})
                return
            data = repo.files.get(filename)
            if data is None:
                self._send(
                    404, b"", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": repo.commit}
                )
                return
            headers = {
                "ETag": f'"{hashlib.sha1(data).hexdigest()}"',
                "X-Repo-Commit": repo.commit,
                "Content-Type": "application/octet-stream",
            }
            self._send(200, data, headers, head=method == "HEAD")

        def _api(
            self, method: str, repo_type: str, repo_id: str, rest: list[str], body: bytes
        ) -> None:
            repo = hub.repos.get((repo_type, repo_id))
            if repo is None:
                self._send(404, b"", {"X-Error-Code": "RepoNotFound"})
            elif method == "GET" and rest[:1] in ([], ["revision"]):
                siblings = [{"rfilename": name} for name in sorted(repo.files)]
                self._json({"id": repo_id, "sha": repo.commit, "siblings": siblings})
            elif method == "GET" and rest[:1] == ["tree"]:
                self._json(
                    [
                        {
                            "type": "file",
                            "path": name,
                            "size": len(data),
                            "oid": hashlib.sha1(data).hexdigest(),
                        }
                        for name, data in sorted(repo.files.items())
                    ]
                )
            elif method == "POST" and rest[:1] == ["preupload"]:
                files = json.loads(body)["files"]
                self._json(
                    {
                        "files": [
                            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                            for f in files
                        ]
                    }
                )
            elif method == "POST" and rest[:1] == ["commit"]:
                self._commit(repo, repo_type, repo_id, body)
            else:
                self._send(404, b"", {"X-Error-Code": "EntryNotFound"})

        def _commit(self, repo: Repo, repo_type: str, repo_id: str, body: bytes) -> None:
            for line in body.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    value = item["value"]
                    repo.files[value["path"]] = base64.b64decode(value["content"])
                elif item["key"] == "deletedFile":
                    repo.files.pop(item["value"]["path"], None)
            repo.recommit()
            prefix = "datasets/" if repo_type == "dataset" else ""
            url = f"{hub.url}/{prefix}{repo_id}/commit/{repo.commit}"
            self._json({"commitUrl": url, "commitOid": repo.commit, "pullRequestUrl": None})

        def _create(self, request: dict[str, str]) -> None:
            repo_type = request.get("type") or "model"
            repo_id = f"{request['organization']}/{request['name']}"
            hub.repos.setdefault((repo_type, repo_id), Repo())
            prefix = "datasets/" if repo_type == "dataset" else ""
            self._json({"url": f"{hub.url}/{prefix}{repo_id}", "name": repo_id})

        def _validate_yaml(self, content: str) -> None:
            # A model card's metadata: YAML between the first two '---' lines, a mapping.
            _, front, _ = content.split("---\n", 2) if content.startswith("---\n") else ("", "", "")
            try:
                metadata = yaml.safe_load(front) if front else {}
                errors = [] if isinstance(metadata, dict) else ["metadata is not a mapping"]
            except yaml.YAMLError as exc:
                errors = [str(exc)]
            hub.card_errors.extend(errors)
            payload = {"errors": [{"message": e} for e in errors], "warnings": []}
            self._json(payload, status=400 if errors else 200)

        def _json(self, data: object, status: int = 200) -> None:
            self._send(status, json.dumps(data).encode(), {"Content-Type": "application/json"})

        def _send(
            self, status: int, data: bytes, headers: dict[str, str], head: bool = False
        ) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if not head:
                self.wfile.write(data)

    return Handler
