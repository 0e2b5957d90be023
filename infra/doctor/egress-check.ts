/**
 * Doctor's check that notebooks can reach GitLab: a notebook may open private addresses only where
 * `jupyterhub.privateEgress` (or a private IP in gitlab.url) allows, so a GitLab whose host name
 * resolves to a private address is unreachable for `git clone` and `git push` from a notebook
 * unless it is listed — while the hub, which reaches it fine, lets everyone log in.
 */
import { JupyterHubConfig } from "../config/schema";
import { cidrWithin } from "../network/ipv4";
import { effectiveEgress, gitlabPorts, isPrivateAddress } from "../workspaces/private-egress";
import { CheckResult } from "./report";

/** Resolves a host name to its IPv4 addresses (the doctor passes the system resolver). */
export type Resolve = (host: string) => Promise<readonly string[]>;

export async function checkNotebookReach(gitlabUrl: string, jupyterhub: JupyterHubConfig | undefined, resolve: Resolve): Promise<CheckResult> {
    const base = { id: "gitlab.notebook-reach", group: "gitlab" as const, title: "GitLab from notebooks" };
    if (!jupyterhub) return { ...base, status: "skipped", summary: "cluster.mode none has no notebooks" };
    const host = new URL(gitlabUrl).hostname;
    let addresses: readonly string[];
    try {
        addresses = await resolve(host);
    } catch (e) {
        return { ...base, status: "skipped", summary: `could not resolve ${host} here (${(e as Error).message}); if it resolves to a private address in the cluster, list it in jupyterhub.privateEgress` };
    }
    // A loopback or link-local GitLab (127.x, 169.254.x: a test instance on this machine) is nobody's from a notebook.
    if (addresses.length > 0 && addresses.every((ip) => /^(127\.|169\.254\.)/.test(ip))) {
        return { ...base, status: "skipped", summary: `${host} resolves to ${addresses.join(", ")}, an address only this machine has: no notebook reaches it` };
    }
    const destinations = effectiveEgress(jupyterhub.privateEgress, gitlabUrl);
    const ports = gitlabPorts(gitlabUrl);
    const closed = addresses.filter((ip) => isPrivateAddress(ip) && !destinations.some((d) => cidrWithin(`${ip}/32`, d.cidr) && ports.every((p) => d.ports.includes(p))));
    const shown = `${host} resolves to ${addresses.join(", ")}`;
    if (closed.length === 0) {
        const why = addresses.some(isPrivateAddress) ? "a private address jupyterhub.privateEgress opens to notebooks" : "public: notebooks reach it through their internet egress";
        return { ...base, status: "ok", summary: `${shown}, ${why} (ports ${ports.join(", ")})` };
    }
    return {
        ...base,
        status: "problem",
        summary: `${shown}, a private address notebooks may not reach: \`git clone\` and \`git push\` from a notebook would time out (the hub reaches GitLab, so logging in works)`,
        details: ["doctor resolved the name here; check that the cluster's DNS gives the same address"],
        fix: `add it to jupyterhub.privateEgress: ${closed.map((ip) => `{ cidr: ${ip}/32, ports: [${ports.join(", ")}], description: GitLab }`).join(", ")}`,
    };
}
