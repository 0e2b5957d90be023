# ml-team-env's hub config (infra/workspaces/hub-config/member_profiles.py), in the hub's Helm
# values as hub.extraConfig: z2jh runs it from jupyterhub_config.py, where `c` is the hub's
# config.
# ruff: noqa: F821
#
# Each member is offered exactly the profiles their stack entry allows, read at spawn time
# from a ConfigMap in their own namespace (so no member data is in the hub's values). A GitLab
# developer who was never onboarded has no such ConfigMap: the spawn is refused with a message
# before KubeSpawner would create an unmanaged namespace (`profile_list` is evaluated before
# the namespace is made, KubeSpawner spawner.py `_start`).
import json

from kubernetes_asyncio.client.exceptions import ApiException
from tornado import web
from z2jh import get_config

_all_profiles = get_config("custom.profiles", [])
_member_config_map = get_config("custom.memberConfigMap")

def _refused(message):
    error = web.HTTPError(403, message)
    error.jupyterhub_message = message
    return error

async def member_profiles(spawner):
    try:
        config_map = await spawner.api.read_namespaced_config_map(_member_config_map, spawner.namespace)
    except ApiException as e:
        if e.status in (403, 404):
            raise _refused(f"{spawner.user.name} is not a member of this team's environment yet. Ask a maintainer to onboard you (a team.members entry in the stack file, then pulumi up).")
        raise
    allowed = json.loads((config_map.data or {}).get("profiles", "[]"))
    offered = [dict(p) for p in _all_profiles if p["slug"] in allowed]
    if not offered:
        raise _refused(f"No notebook profile is allowed for {spawner.user.name}. Ask a maintainer to set profiles or gpus in your team.members entry.")
    if not any(p.get("default") for p in offered):
        offered[0]["default"] = True
    return offered

c.KubeSpawner.profile_list = member_profiles
