import subprocess

from mlteam.provenance import UNKNOWN, collect, git_info, image_info


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True, capture_output=True)


def test_outside_a_checkout_everything_is_unknown_and_nothing_crashes(tmp_path):
    info = git_info(cwd=str(tmp_path), env={})
    assert info == {"commit": UNKNOWN, "branch": UNKNOWN, "tag": None, "dirty": None}


def test_in_a_checkout_it_names_commit_branch_and_uncommitted_changes(tmp_path):
    git(tmp_path, "init", "-q", "-b", "feature/x")
    (tmp_path / "a.txt").write_text("1")
    git(tmp_path, "add", "a.txt")
    git(tmp_path, "commit", "-q", "-m", "one")
    clean = git_info(cwd=str(tmp_path), env={})
    assert clean["branch"] == "feature/x" and len(clean["commit"]) == 40 and clean["dirty"] is False
    (tmp_path / "a.txt").write_text("2")
    assert git_info(cwd=str(tmp_path), env={})["dirty"] is True


def test_ci_variables_name_the_branch_of_a_detached_checkout(tmp_path):
    env = {"CI_COMMIT_SHA": "a" * 40, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/y", "CI_COMMIT_REF_NAME": "feature/y"}
    info = git_info(cwd=str(tmp_path), env=env)
    assert info["commit"] == "a" * 40 and info["branch"] == "feature/y"


def test_the_image_digest_comes_from_the_image_the_job_ran():
    digest = "sha256:" + "b" * 64
    assert image_info({"CI_JOB_IMAGE": f"registry.example.com/ml/env:v1@{digest}"})["image_digest"] == digest
    assert image_info({"CI_JOB_IMAGE": "registry.example.com/ml/env:v1"})["image_digest"] == UNKNOWN
    assert image_info({"JUPYTER_IMAGE_SPEC": f"r.example.com/env:v2@{digest}"})["image"].startswith("r.example.com/env:v2")


def test_a_record_carries_config_and_seed(tmp_path):
    record = collect({"seed": 3}, 3, cwd=str(tmp_path), env={})
    assert record["seed"] == 3 and record["config"] == {"seed": 3} and record["torch"]
