import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mlteam.tracking import Tracker


class Recorder(BaseHTTPRequestHandler):
    """A tracking server: answers like MLflow, or fails every call with `fail`."""

    fail = None
    calls: list = []

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        type(self).calls.append(("GET", self.path))
        if self.fail:
            return self._answer(self.fail, {"error_code": "INTERNAL_ERROR"})
        self._answer(404, {"error_code": "RESOURCE_DOES_NOT_EXIST"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        type(self).calls.append(("POST", self.path, body, self.headers.get("Authorization")))
        if self.fail:
            return self._answer(self.fail, {"error_code": "INTERNAL_ERROR"})
        if self.path.endswith("experiments/create"):
            return self._answer(200, {"experiment_id": "7"})
        if self.path.endswith("runs/create"):
            return self._answer(200, {"run": {"info": {"run_id": "r1"}}})
        self._answer(200, {})

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Recorder.calls, Recorder.fail = [], None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/v4/projects/1/ml/mlflow"
    httpd.shutdown()


def test_without_a_tracking_uri_tracking_is_off_and_says_why():
    tracker = Tracker.from_env({})
    tracker.start("smoke", "run", {"lr": 0.1}, {})
    tracker.log_metrics({"loss": 1.0}, 1)
    tracker.finish()
    assert not tracker.enabled and tracker.summary() == {"enabled": False, "reason": "MLFLOW_TRACKING_URI is not set"}


def test_a_run_logs_params_metrics_and_tags_with_the_token(server):
    tracker = Tracker.from_env({"MLFLOW_TRACKING_URI": server, "MLFLOW_TRACKING_TOKEN": "t0ken"})
    tracker.start("smoke", "run-1", {"optimizer": {"lr": 0.1}}, {"git.commit": "abc"})
    tracker.log_metrics({"loss": 0.5}, 10)
    tracker.finish()
    posts = {call[1].rsplit("/mlflow/", 1)[1]: call for call in Recorder.calls if call[0] == "POST"}
    assert posts["runs/create"][2]["tags"] == [{"key": "git.commit", "value": "abc"}]
    assert posts["runs/create"][3] == "Bearer t0ken"
    batches = [c[2] for c in Recorder.calls if c[0] == "POST" and c[1].endswith("log-batch")]
    assert {"key": "optimizer.lr", "value": "0.1"} in batches[0]["params"]
    assert batches[1]["metrics"][0]["key"] == "loss" and batches[1]["metrics"][0]["step"] == 10
    assert posts["runs/update"][2]["status"] == "FINISHED"
    assert tracker.summary()["run_id"] == "r1"


def test_a_failing_server_never_fails_the_run(server, capsys):
    Recorder.fail = 500
    tracker = Tracker.from_env({"MLFLOW_TRACKING_URI": server})
    tracker.start("smoke", "run", {}, {})
    tracker.log_metrics({"loss": 1.0}, 1)
    tracker.finish()
    assert not tracker.enabled
    assert "training goes on without tracking" in capsys.readouterr().err
    assert len(Recorder.calls) == 1  # it stopped calling after the first failure


def test_an_unreachable_server_times_out_quietly():
    tracker = Tracker.from_env({"MLFLOW_TRACKING_URI": "http://127.0.0.1:9/mlflow"}, timeout=0.5)
    tracker.start("smoke", "run", {}, {})
    tracker.finish()
    assert tracker.summary()["enabled"] is False
