/**
 * Onboarding as config: adds or removes one `team.members` entry in a stack file, editing
 * the text in place so that comments, order and formatting elsewhere stay byte-identical.
 * The yaml Document API finds the entry; the edit splices only that entry's lines (a full
 * re-stringify would reflow the rest of the file).
 */
import { isMap, isScalar, isSeq, parseDocument, stringify, YAMLSeq } from "yaml";
import { PROJECT } from "../config/schema";

/** A member as the onboard command takes it (same fields as `team.members[]`). */
export interface NewMember {
    readonly username: string;
    readonly role: "developer" | "maintainer";
    readonly gpus: number;
    readonly profiles?: readonly string[];
}

/** A refused edit (duplicate, unknown user, file without a members list). */
export class MembershipError extends Error {}

const TEAM_KEY = `${PROJECT}:team`;

function membersSeq(text: string): { seq: YAMLSeq; usernames: string[] } {
    const doc = parseDocument(text, { merge: true });
    if (doc.errors.length > 0) throw new MembershipError(`the stack file is not valid YAML: ${doc.errors[0]!.message}`);
    const seq = doc.getIn(["config", TEAM_KEY, "members"], true);
    if (!isSeq(seq)) throw new MembershipError(`the stack file has no '${TEAM_KEY}: members:' list; add one (see stacks/Pulumi.dev.yaml)`);
    if (seq.flow) throw new MembershipError(`'${TEAM_KEY}.members' is written in flow style ([...]); write it as a block list (one '- username: ...' entry per member) so entries can be edited in place`);
    const usernames = seq.items.map((item) => {
        const u = isMap(item) ? item.get("username", true) : undefined;
        return isScalar(u) ? String(u.value) : "";
    });
    return { seq, usernames };
}

function lineStart(text: string, offset: number): number {
    return text.lastIndexOf("\n", offset - 1) + 1;
}

function scalar(v: string | number): string {
    return stringify(v).trimEnd();
}

/** Renders one member entry with the given dash prefix (e.g. `      - `). */
function renderMember(m: NewMember, dashPrefix: string): string {
    const indent = " ".repeat(dashPrefix.length);
    const fields: string[] = [`username: ${scalar(m.username)}`, `role: ${m.role}`, `gpus: ${m.gpus}`];
    if (m.profiles && m.profiles.length > 0) fields.push(`profiles: [${m.profiles.map(scalar).join(", ")}]`);
    return fields.map((f, i) => (i === 0 ? dashPrefix : indent) + f).join("\n") + "\n";
}

/** Returns the stack file text with `member` appended to `team.members`. */
export function addMember(text: string, member: NewMember): string {
    const { seq, usernames } = membersSeq(text);
    const existing = usernames.findIndex((u) => u.toLowerCase() === member.username.toLowerCase());
    if (existing >= 0) {
        throw new MembershipError(`'${member.username}' is already a member (${TEAM_KEY}.members[${existing}] is '${usernames[existing]}'); change that entry instead`);
    }
    const last = seq.items[seq.items.length - 1];
    if (!last || !isMap(last) || !last.range) throw new MembershipError(`'${TEAM_KEY}.members' is empty; add the first member by hand`);
    const start = lineStart(text, last.range[0]);
    const dashPrefix = text.slice(start, last.range[0]);
    let insertAt = last.range[2];
    let before = text.slice(0, insertAt);
    if (!before.endsWith("\n")) {
        before += "\n";
    }
    // Comments between the last entry and the next key stay below the new entry.
    insertAt = Math.min(insertAt, text.length);
    return before + renderMember(member, dashPrefix) + text.slice(insertAt);
}

/** Returns the stack file text without the member `username` (its entry and the comment lines right above it). */
export function removeMember(text: string, username: string): string {
    const { seq, usernames } = membersSeq(text);
    const index = usernames.findIndex((u) => u.toLowerCase() === username.toLowerCase());
    if (index < 0) {
        throw new MembershipError(`'${username}' is not a member of this stack; members: ${usernames.join(", ")}`);
    }
    const item = seq.items[index]!;
    if (!isMap(item) || !item.range) throw new MembershipError(`${TEAM_KEY}.members[${index}] is not a mapping`);
    let start = lineStart(text, item.range[0]);
    // Comment lines directly above an entry describe it: they go with it.
    while (start > 0) {
        const prev = lineStart(text, start - 1);
        if (!/^\s*#/.test(text.slice(prev, start))) break;
        start = prev;
    }
    let end = item.range[2];
    if (end > 0 && text[end - 1] !== "\n") {
        const nl = text.indexOf("\n", end);
        end = nl < 0 ? text.length : nl + 1;
    }
    return text.slice(0, start) + text.slice(end);
}

/** Usernames listed in a stack file, in order. */
export function listMembers(text: string): string[] {
    return membersSeq(text).usernames;
}
