"""Tracks one run with the starter's MLflow client (infra/team-repo/starter/mlteam/tracking.py), the calls
train.py makes, against the server in MLFLOW_TRACKING_URI; prints the run's tracking summary as JSON.

Usage: python3 track_run.py STARTER_DIR EXPERIMENT RUN_NAME PARAMS_JSON TAGS_JSON STEPS
Run by test/gitlab/mlflow-emulator.test.ts against the GitLab API emulator.
"""

import json
import os
import sys


def main(argv: list[str]) -> int:
    starter, experiment, run_name, params, tags, steps = argv[1:7]
    sys.path.insert(0, starter)
    from mlteam.tracking import Tracker

    tracker = Tracker.from_env(dict(os.environ), timeout=5.0)
    tracker.start(experiment, run_name, json.loads(params), json.loads(tags))
    for step in range(int(steps)):
        tracker.log_metrics({"loss": 1.0 / (step + 1), "batch_accuracy": step / 10}, step)
    tracker.log_metrics({"final_loss": 1.0 / int(steps)}, int(steps))
    tracker.finish("FINISHED")
    print(json.dumps(tracker.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
