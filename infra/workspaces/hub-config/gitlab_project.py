# ml-team-env's hub config (infra/workspaces/hub-config/gitlab_project.py), in the hub's Helm
# values as hub.extraConfig: z2jh runs it from jupyterhub_config.py, where `c` is the hub's
# config.
# ruff: noqa: F821
#
# GitLabOAuthenticator admits members of the team's project with Developer access or above.
# The project id is a deploy-time value: it comes from a ConfigMap through the environment,
# so the Helm values stay the same (and readable) before GitLab answers.
import os

from z2jh import get_config

c.GitLabOAuthenticator.allowed_project_ids = [int(os.environ["GITLAB_PROJECT_ID"])]
# Notebooks log runs to the project's model experiments (GitLab's MLflow API). Only the address:
# each member authenticates with a token of their own (MLFLOW_TRACKING_TOKEN), never a shared one.
c.KubeSpawner.environment.update({
    "MLFLOW_TRACKING_URI": get_config("custom.gitlabUrl").rstrip("/") + "/api/v4/projects/" + os.environ["GITLAB_PROJECT_ID"] + "/ml/mlflow",
})
