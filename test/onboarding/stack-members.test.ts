import * as fs from "fs";
import * as path from "path";
import { addMember, listMembers, MembershipError, removeMember } from "../../infra/onboarding/stack-members";
import { ROOT } from "../harness";

const dev = fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8");
const onprem = fs.readFileSync(path.join(ROOT, "stacks/Pulumi.onprem.yaml"), "utf8");

describe("onboarding edits the stack file in place", () => {
    it.each([["dev", dev], ["onprem", onprem]])("round-trips %s byte for byte (onboard then offboard)", (_name, text) => {
        const added = addMember(text, { username: "carol", role: "developer", gpus: 1, profiles: ["cpu", "gpu-1"] });
        expect(added).not.toBe(text);
        expect(removeMember(added, "carol")).toBe(text);
    });

    it("changes nothing but the new entry, which comes last with the list's indentation", () => {
        const added = addMember(dev, { username: "carol", role: "developer", gpus: 1 });
        const before = dev.split("\n");
        const after = added.split("\n");
        expect(after.length - before.length).toBe(3);
        const at = after.indexOf("      - username: carol");
        expect(at).toBeGreaterThan(0);
        expect(after.slice(at, at + 3)).toEqual(["      - username: carol", "        role: developer", "        gpus: 1"]);
        // Every other line, comments included, is unchanged and in order.
        expect([...after.slice(0, at), ...after.slice(at + 3)]).toEqual(before);
        expect(listMembers(added)).toEqual(["alice", "bob", "chen.wei", "carol"]);
    });

    it("removes a member from the middle and keeps the others' order and comments", () => {
        const text = dev.replace("      - username: bob\n", "      # bob joined in March\n      - username: bob\n");
        const removed = removeMember(text, "bob");
        expect(listMembers(removed)).toEqual(["alice", "chen.wei"]);
        expect(removed).not.toContain("bob");
        expect(removed).toBe(dev.replace(/      - username: bob\n        role: developer\n        gpus: 1\n/, ""));
    });

    it("quotes values YAML would otherwise misread", () => {
        const added = addMember(dev, { username: "null", role: "developer", gpus: 0 });
        expect(added).toContain("- username: \"null\"");
        expect(listMembers(added)).toContain("null");
    });

    it("refuses a duplicate (GitLab usernames are case-insensitive) and an unknown user, naming them", () => {
        expect(() => addMember(dev, { username: "Bob", role: "developer", gpus: 0 })).toThrow(new MembershipError("'Bob' is already a member (ml-team-env:team.members[1] is 'bob'); change that entry instead"));
        expect(() => removeMember(dev, "zoe")).toThrow(/'zoe' is not a member of this stack; members: alice, bob, chen.wei/);
    });

    it("refuses a file without a members list, and a flow-style list it cannot edit in place", () => {
        expect(() => addMember("config:\n  ml-team-env:cluster:\n    mode: eks\n", { username: "a", role: "maintainer", gpus: 0 })).toThrow(/has no 'ml-team-env:team: members:' list/);
        expect(() => addMember("config:\n  ml-team-env:team:\n    members: [{username: a, role: maintainer}]\n", { username: "b", role: "developer", gpus: 0 })).toThrow(/flow style/);
    });
});
