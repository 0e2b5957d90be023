# ml-team-env's hub config (infra/workspaces/hub-config/admin_from_gitlab.py), in the hub's Helm
# values as hub.extraConfig: z2jh runs it from jupyterhub_config.py, where `c` is the hub's
# config.
# ruff: noqa: F821
#
# Hub admins are the project's Maintainers, looked up at each login with the user's own
# token, so promoting or onboarding someone needs no hub change. The hook runs after
# GitLabOAuthenticator has admitted the user.
import json
import os

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from z2jh import get_config

_project_id = os.environ["GITLAB_PROJECT_ID"]
_api = get_config("custom.gitlabUrl").rstrip("/") + "/api/v4"

async def admin_if_gitlab_maintainer(authenticator, handler, auth_model):
    state = auth_model.get("auth_state") or {}
    user_id = (state.get("gitlab_user") or {}).get("id")
    token = state.get("access_token")
    if user_id is None or token is None:
        return auth_model
    response = await AsyncHTTPClient().fetch(
        HTTPRequest(f"{_api}/projects/{_project_id}/members/all/{user_id}", headers={"Authorization": f"Bearer {token}"}),
        raise_error=False,
    )
    if response.code == 200:
        auth_model["admin"] = json.loads(response.body)["access_level"] >= 40
    return auth_model

c.GitLabOAuthenticator.post_auth_hook = admin_if_gitlab_maintainer
