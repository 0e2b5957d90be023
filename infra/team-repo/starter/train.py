"""Train the team's model.

    python train.py --smoke            small, deterministic run; every merge request runs it
    python train.py --output model/    full run; writes the model (a release tag runs this)
    python train.py --set optimizer.lr=1e-4 --experiment experiment/lr-1e4

Runs on the GPU when one is visible, else on the CPU. Every run writes run.json (commit,
branch, uncommitted changes, image and digest, config, seed, final loss, weights digest) and,
when MLFLOW_TRACKING_URI is set, logs params, metrics and tags to GitLab's model experiments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch
from torch import nn

# Importing reproducibility sets CUBLAS_WORKSPACE_CONFIG, which cuBLAS reads at its first GPU call.
from mlteam import reproducibility
from mlteam.config import ConfigError, load_config
from mlteam.data import make_loader
from mlteam.model import SmallCNN, weights_digest
from mlteam.provenance import collect
from mlteam.tracking import Tracker


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="config/train.toml", help="hyper-parameters (default: %(default)s)")
    parser.add_argument("--smoke", action="store_true", help="the small, deterministic run merge requests make")
    parser.add_argument("--output", help="folder to write the model to (model.pt, run.json, the config)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override one config key")
    parser.add_argument("--experiment", help="experiment to track the run in (default: the experiment/* branch, else smoke or training)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="default: cuda when available")
    return parser.parse_args(argv)


def pick_device(choice: str) -> torch.device:
    if choice == "cuda" and not torch.cuda.is_available():
        sys.exit("train.py: --device cuda, but PyTorch sees no GPU (torch.cuda.is_available() is False)")
    return torch.device("cuda" if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()) else "cpu")


def experiment_name(explicit: str | None, branch: str, smoke: bool) -> str:
    if explicit:
        return explicit
    if branch.startswith("experiment/"):
        return branch
    return "smoke" if smoke else "training"


def train(args: argparse.Namespace) -> dict:
    config = load_config(args.config, args.overrides)
    mode = config.for_mode(args.smoke)
    seed = config["seed"]
    generator = reproducibility.make_deterministic(seed)
    device = pick_device(args.device)
    record = collect(config.values, seed)
    record["mode"] = "smoke" if args.smoke else "full"
    record["reproducibility"] = reproducibility.settings()

    tracker = Tracker.from_env(dict(os.environ))
    if not tracker.enabled:
        print(f"tracking: off ({tracker.reason}); run.json records the run")
    tags = {
        "git.commit": record["commit"],
        "git.branch": record["branch"],
        "git.dirty": str(record["dirty"]),
        "image": record["image"],
        "image.digest": record["image_digest"],
        "mode": record["mode"],
        **{f"ci.{k}": v for k, v in record["ci"].items()},
        # MLflow's own names, so its UI and client show the source.
        "mlflow.source.git.commit": record["commit"],
        "mlflow.source.git.branch": record["branch"],
    }
    run_name = f"{record['mode']}-{record['commit'][:8]}"
    tracker.start(experiment_name(args.experiment, record["branch"], args.smoke), run_name, {**config.values, "device": str(device)}, tags)

    data = {key: config[f"data.{key}"] for key in ("train_examples", "image_size", "classes", "batch_size", "num_workers")}
    loader = make_loader(data["train_examples"], data["image_size"], data["classes"], data["batch_size"], data["num_workers"], generator)
    model = SmallCNN(config["data.classes"], config["model.channels"]).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=config["optimizer.lr"], momentum=config["optimizer.momentum"])
    loss_fn = nn.CrossEntropyLoss()

    started = time.perf_counter()
    step, loss = 0, torch.tensor(float("nan"))
    model.train()
    while step < mode["steps"]:
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            step += 1
            if step % mode["log_every"] == 0 or step == mode["steps"]:
                accuracy = (model(images).argmax(1) == labels).float().mean().item()
                print(f"step {step}/{mode['steps']}: loss {loss.item():.5f}, batch accuracy {accuracy:.3f}")
                tracker.log_metrics({"loss": loss.item(), "batch_accuracy": accuracy}, step)
            if step >= mode["steps"]:
                break
    seconds = time.perf_counter() - started

    record["result"] = {"steps": step, "final_loss": loss.item(), "weights_digest": weights_digest(model), "seconds": round(seconds, 3)}
    tracker.log_metrics({"final_loss": loss.item(), "train_seconds": seconds}, step)
    tracker.finish("FINISHED")
    record["tracking"] = tracker.summary()

    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), out / "model.pt")
        (out / "config.toml").write_text(Path(args.config).read_text(encoding="utf-8"), encoding="utf-8")
        (out / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    Path("run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"done: {step} steps on {device} in {seconds:.1f} s, final loss {loss.item():.5f}, weights {record['result']['weights_digest']}")
    return record


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        train(args)
    except ConfigError as e:
        print(f"train.py: bad config: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
