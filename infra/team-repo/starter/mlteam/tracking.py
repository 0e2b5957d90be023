"""Runs tracked in GitLab's model experiments, through the MLflow REST API GitLab serves at
/api/v4/projects/:id/ml/mlflow. Standard library only, so it runs in any image.

Tracking never decides whether training succeeds: with no MLFLOW_TRACKING_URI it is off and
says so; when the server errors or times out it warns once, stops calling it, and the run
goes on (run.json keeps the record either way).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

API = "api/2.0/mlflow"
# MLflow's limits on one log-batch call: 1000 metrics, 100 params, 100 tags.
MAX_METRICS_PER_BATCH = 1000
# GitLab's: keys of 250 characters, param values of 250, tag values of 5000; a longer one fails the whole call.
MAX_KEY = 250
MAX_PARAM_VALUE = 250
MAX_TAG_VALUE = 5000


class TrackingError(Exception):
    """One call to the tracking server failed; carries the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _now_ms() -> int:
    return int(time.time() * 1000)


class MlflowRest:
    """The handful of MLflow REST calls the team uses, with a timeout on each."""

    def __init__(self, tracking_uri: str, token: str | None, timeout: float = 10.0) -> None:
        self.base = tracking_uri.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method: str, endpoint: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base}/{API}/{endpoint}"
        data = None
        if method == "GET" and body:
            url += "?" + urllib.parse.urlencode(body)
        elif body is not None:
            data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode() or "{}"
        except urllib.error.HTTPError as e:
            detail = e.read()[:300].decode(errors="replace")
            raise TrackingError(f"{method} {endpoint}: HTTP {e.code} {detail}", e.code) from None
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            raise TrackingError(f"{method} {endpoint}: {getattr(e, 'reason', e)}") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise TrackingError(f"{method} {endpoint}: the answer is not JSON: {text[:200]!r}") from None

    def experiment_id(self, name: str) -> str:
        """The experiment's id, creating the experiment on first use."""
        try:
            return str(self.call("GET", "experiments/get-by-name", {"experiment_name": name})["experiment"]["experiment_id"])
        except TrackingError as e:
            if e.status != 404:
                raise
        return str(self.call("POST", "experiments/create", {"name": name})["experiment_id"])

    def create_run(self, experiment_id: str, run_name: str, tags: dict[str, str]) -> str:
        tag_list = [{"key": k[:MAX_KEY], "value": str(v)[:MAX_TAG_VALUE]} for k, v in tags.items()]
        body = {"experiment_id": experiment_id, "run_name": run_name, "start_time": _now_ms(), "tags": tag_list}
        info = self.call("POST", "runs/create", body)["run"]["info"]
        return str(info.get("run_id") or info["run_uuid"])

    def log_batch(self, run_id: str, metrics: list[dict[str, Any]] = (), params: dict[str, str] | None = None) -> None:
        body: dict[str, Any] = {"run_id": run_id, "metrics": list(metrics)}
        if params:
            body["params"] = [{"key": k, "value": v} for k, v in params.items()]
        self.call("POST", "runs/log-batch", body)

    def update_run(self, run_id: str, status: str) -> None:
        self.call("POST", "runs/update", {"run_id": run_id, "run_uuid": run_id, "status": status, "end_time": _now_ms()})


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested values as MLflow params: dotted keys, text values (MLflow keeps params as text)."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = "" if value is None else str(value)
    return out


class Tracker:
    """One tracked run. Every method is safe to call when tracking is off or has failed."""

    def __init__(self, client: MlflowRest | None, reason: str = "", warn: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.reason = reason
        self.run_id: str | None = None
        self.experiment_id: str | None = None
        self._pending: list[dict[str, Any]] = []
        self._warn = warn or (lambda message: print(message, file=sys.stderr))

    @classmethod
    def from_env(cls, env: dict[str, str], timeout: float = 10.0) -> Tracker:
        uri = env.get("MLFLOW_TRACKING_URI", "").strip()
        if not uri:
            return cls(None, "MLFLOW_TRACKING_URI is not set")
        if not uri.startswith(("http://", "https://")):
            return cls(None, f"MLFLOW_TRACKING_URI {uri!r} is not an http(s) URL")
        return cls(MlflowRest(uri, env.get("MLFLOW_TRACKING_TOKEN") or None, timeout))

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def _guard(self, what: str, call: Callable[[], Any]) -> Any:
        if self.client is None:
            return None
        try:
            return call()
        except TrackingError as e:
            self._warn(f"tracking: {what} failed ({e}); training goes on without tracking, run.json keeps the record")
            self.client = None
            self.reason = str(e)
            return None

    def start(self, experiment: str, run_name: str, params: dict[str, Any], tags: dict[str, str]) -> None:
        client = self.client
        if client is None:
            return

        def begin() -> None:
            self.experiment_id = client.experiment_id(experiment)
            self.run_id = client.create_run(self.experiment_id, run_name, tags)
            flat = flatten(params)
            keys = sorted(flat)
            for i in range(0, len(keys), 100):  # MLflow takes at most 100 params a call
                client.log_batch(self.run_id, params={k[:MAX_KEY]: flat[k][:MAX_PARAM_VALUE] for k in keys[i : i + 100]})

        self._guard(f"starting a run in experiment {experiment!r}", begin)

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        if self.client is None or self.run_id is None:
            return
        now = _now_ms()
        self._pending += [{"key": k, "value": float(v), "timestamp": now, "step": step} for k, v in metrics.items()]
        if len(self._pending) >= MAX_METRICS_PER_BATCH // 2:
            self.flush()

    def flush(self) -> None:
        client, run_id, batch = self.client, self.run_id, self._pending
        self._pending = []
        if client is None or run_id is None or not batch:
            return
        for i in range(0, len(batch), MAX_METRICS_PER_BATCH):
            self._guard("logging metrics", lambda chunk=batch[i : i + MAX_METRICS_PER_BATCH]: client.log_batch(run_id, metrics=chunk))

    def finish(self, status: str = "FINISHED") -> None:
        self.flush()
        client, run_id = self.client, self.run_id
        if client is not None and run_id is not None:
            self._guard("closing the run", lambda: client.update_run(run_id, status))

    def summary(self) -> dict[str, Any]:
        """What run.json records about tracking."""
        if self.run_id is None:
            return {"enabled": False, "reason": self.reason or "not started"}
        summary = {"enabled": self.client is not None, "experiment_id": self.experiment_id, "run_id": self.run_id}
        return {**summary, "error": self.reason} if self.reason else summary
