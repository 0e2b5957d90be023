"""Where a run's result comes from: code (commit, branch, uncommitted changes), environment
(image and its digest, PyTorch, CUDA), config and seed. Works in CI, in a notebook and on a
laptop; anything it cannot find is recorded as unknown, never guessed and never a crash."""

from __future__ import annotations

import os
import platform
import subprocess
from typing import Any

UNKNOWN = "unknown"


def _git(*args: str, cwd: str | None = None) -> str | None:
    """Output of a git command, or None outside a checkout or without git."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_info(cwd: str | None = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Commit, branch and dirty state. CI checks out a detached commit, so its variables name
    the branch there; elsewhere git does. `dirty` is None when it cannot be known."""
    env = os.environ if env is None else env
    commit = _git("rev-parse", "HEAD", cwd=cwd) or env.get("CI_COMMIT_SHA") or UNKNOWN
    branch = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or env.get("CI_COMMIT_BRANCH") or env.get("CI_COMMIT_REF_NAME")
    if not branch:
        head = _git("rev-parse", "--abbrev-ref", "HEAD", cwd=cwd)
        branch = head if head and head != "HEAD" else UNKNOWN
    status = _git("status", "--porcelain", "--untracked-files=no", cwd=cwd)
    return {"commit": commit, "branch": branch, "tag": env.get("CI_COMMIT_TAG") or None, "dirty": None if status is None else status != ""}


def image_info(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The image this process runs in and its digest. CI_JOB_IMAGE is the image the runner
    started for this job; JUPYTER_IMAGE_SPEC is the one KubeSpawner started for a notebook.
    A digest is known only when the reference pins one (a tag can be re-pushed)."""
    env = os.environ if env is None else env
    image = env.get("CI_JOB_IMAGE") or env.get("JUPYTER_IMAGE_SPEC") or env.get("ML_TEAM_ENV_IMAGE") or UNKNOWN
    digest = image.split("@", 1)[1] if "@sha256:" in image else None
    if digest is None and image == env.get("ML_TEAM_ENV_IMAGE") and env.get("ML_TEAM_ENV_IMAGE_DIGEST"):
        digest = env["ML_TEAM_ENV_IMAGE_DIGEST"]
    return {"image": image, "image_digest": digest or UNKNOWN}


def runtime_info() -> dict[str, Any]:
    """Python, PyTorch and the device the run used."""
    import torch

    cuda = torch.cuda.is_available()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda or "none",
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
    }


def ci_info(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The pipeline and job that ran this, when it ran in GitLab CI."""
    env = os.environ if env is None else env
    keys = {
        "pipeline_url": "CI_PIPELINE_URL",
        "job_url": "CI_JOB_URL",
        "pipeline_source": "CI_PIPELINE_SOURCE",
        "project": "CI_PROJECT_PATH",
    }
    return {name: env[var] for name, var in keys.items() if env.get(var)}


def collect(config: dict[str, Any], seed: int, cwd: str | None = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything a run records about where it came from."""
    return {**git_info(cwd, env), **image_info(env), **runtime_info(), "ci": ci_info(env), "seed": seed, "config": config}
