/**
 * `npm run gitlab-emulator -- [--port 8929] [--tier free|premium|ultimate]`: runs the GitLab
 * API emulator as a process, seeded with a group and a few users, so the providers and the
 * plan can be tried by hand against something that answers like GitLab.
 */
import { startGitLabEmulator } from "./gitlab-emulator";

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    const flag = (name: string) => {
        const i = args.indexOf(`--${name}`);
        return i >= 0 ? args[i + 1] : undefined;
    };
    const tier = (flag("tier") ?? "premium") as "free" | "premium" | "ultimate";
    const emulator = await startGitLabEmulator({ tier, port: Number(flag("port") ?? 8929) });
    emulator.addGroup("ml-team");
    for (const u of ["alice", "bob", "chen.wei"]) emulator.addUser(u);
    console.log(`GitLab API emulator (${tier}) at ${emulator.url}/api/v4`);
    console.log(`admin token: ${emulator.adminToken}`);
    console.log(`try: GITLAB_URL=${emulator.url} GITLAB_TOKEN=${emulator.adminToken} curl -s -H "PRIVATE-TOKEN: $GITLAB_TOKEN" ${emulator.url}/api/v4/user`);
    process.on("SIGINT", () => void emulator.close().then(() => process.exit(0)));
}

void main();
