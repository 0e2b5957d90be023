import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path, *args):
    command = [sys.executable, str(ROOT / "train.py"), "--config", str(ROOT / "config" / "train.toml"), *args]
    # A plain environment: no tracking URI or CI variables leak in from the job running the tests.
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=300)


def test_two_smoke_runs_give_bit_identical_weights(tmp_path):
    first = run(tmp_path, "--smoke", "--set", "smoke.steps=20", "--device", "cpu")
    digest = json.loads((tmp_path / "run.json").read_text())["result"]["weights_digest"]
    second = run(tmp_path, "--smoke", "--set", "smoke.steps=20", "--device", "cpu")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert json.loads((tmp_path / "run.json").read_text())["result"]["weights_digest"] == digest


def test_a_full_run_writes_the_model_where_the_release_looks(tmp_path):
    done = run(tmp_path, "--set", "train.steps=5", "--output", "model", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "model").iterdir()} == {"model.pt", "run.json", "config.toml"}


def test_a_bad_config_value_stops_the_run_naming_the_key(tmp_path):
    done = run(tmp_path, "--smoke", "--set", "optimizer.lr=-3")
    assert done.returncode == 2 and "optimizer.lr" in done.stderr and not (tmp_path / "run.json").exists()
