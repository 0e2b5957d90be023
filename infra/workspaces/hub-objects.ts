/**
 * Names of the Kubernetes objects the hub and the members' workspaces share. Pulumi creates
 * them; the hub's configuration refers to them by these names.
 */

/** The hub's ServiceAccount as the z2jh chart names it (component name, `fullnameOverride: ""`). */
export const HUB_SERVICE_ACCOUNT = "hub";

/** Secret in the hub namespace with the hub's secrets (chart `hub.existingSecret`, and `extraEnv` refs). */
export const HUB_SECRET = "ml-team-env-hub";
export const HUB_SECRET_KEYS = {
    /** Read as GITLAB_CLIENT_SECRET, which GitLabOAuthenticator takes when `client_secret` is not configured. */
    oauthClientSecret: "gitlab-client-secret",
    /** Key names the chart looks up in the existing secret (z2jh `get_secret_value`). */
    cookieSecret: "hub.config.JupyterHub.cookie_secret",
    cryptKeys: "hub.config.CryptKeeper.keys",
} as const;

/** ConfigMap in the hub namespace with deploy-time values the hub reads (the GitLab project id). */
export const HUB_CONFIG_MAP = "ml-team-env-hub";
export const HUB_PROJECT_ID_KEY = "gitlab-project-id";

/** ConfigMap in each member's namespace: what that member may start. */
export const MEMBER_CONFIG_MAP = "ml-team-env-member";

/** Label on every member namespace (network policies select member notebooks by it). */
export const WORKSPACE_LABEL = "ml-team-env/workspace";

/** Label z2jh puts on the hub and proxy pods that may reach notebook servers. */
export const SINGLEUSER_ACCESS_LABEL = "hub.jupyter.org/network-access-singleuser";

/** Notebook server port. */
export const NOTEBOOK_PORT = 8888;
