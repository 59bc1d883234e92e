// A local file backend (`file://…`) writes each file it keeps — a stack's checkpoint and
// its backup, a lock, `.pulumi/meta.yaml` — through a temporary file and a rename, but the
// file's metadata sidecar (`<file>.attrs`: content type and MD5, kept by the Go CDK's
// fileblob driver) in place: truncate, then write. A CLI killed between the two leaves the
// sidecar empty, and from then on every command that reads the file fails with a bare
// `error: EOF` (`pulumi stack ls`, `pulumi whoami`) or `failed to load checkpoint: EOF`,
// although the file itself is intact. A missing sidecar reads as "no metadata", so
// removing the unreadable one is the whole repair. A CLI writing one at this very moment
// loses nothing either: it writes into the removed inode, and its file reads as before.
//
// What the CLI reads for every command on a project's stacks: meta.yaml, the stacks'
// checkpoints and backups, the project's locks. A stack's update history (two files per
// update, read only by `pulumi stack history`) is looked at for the stacks recover runs on.

import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

/** The one command that clears whatever an interruption left (`fleet recover`), the same for every case. */
export function recoverCommand(stack: string): string {
    return `npm run fleet -- recover --stacks ${stack}`;
}

/**
 * The backend the CLI uses for this project, found as the CLI finds it: PULUMI_BACKEND_URL,
 * then Pulumi.yaml's backend.url, then the account logged in last (`current` in
 * $PULUMI_HOME/credentials.json). Read without the CLI, which a damaged backend stops.
 */
export async function backendUrlOf(
    projectBackendUrl: string | undefined,
    env: NodeJS.ProcessEnv = process.env,
    home = os.homedir(),
): Promise<string | undefined> {
    if (env.PULUMI_BACKEND_URL) return env.PULUMI_BACKEND_URL;
    if (projectBackendUrl) return projectBackendUrl;
    const credentials = path.join(env.PULUMI_HOME || path.join(home, ".pulumi"), "credentials.json");
    const text = await fs.readFile(credentials, "utf8").catch(() => undefined);
    if (text === undefined) return undefined;
    try {
        const current = (JSON.parse(text) as { current?: unknown }).current;
        return typeof current === "string" && current ? current : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The folder of a local file backend (`file://~`, `file:///var/pulumi`, query options
 * dropped); null for every other backend (Pulumi Cloud, Azure Blob, S3, GCS), whose files
 * only the CLI reads.
 */
export function fileBackendRoot(backendUrl: string | undefined, home = os.homedir()): string | null {
    if (!backendUrl?.startsWith("file://")) return null;
    const location = backendUrl.slice("file://".length).replace(/\?.*$/, "");
    if (location === "~" || location.startsWith("~/")) return path.join(home, location.slice(1));
    return path.resolve(location);
}

const SIDECAR = ".attrs";

async function sidecarsIn(directory: string): Promise<string[]> {
    const names = await fs.readdir(directory).catch(() => [] as string[]);
    return names.filter((name) => name.endsWith(SIDECAR)).map((name) => path.join(directory, name));
}

/** Empty, cut short or no JSON object: what fileblob fails to decode. */
async function unreadable(sidecar: string): Promise<boolean> {
    const text = await fs.readFile(sidecar, "utf8").catch(() => undefined);
    if (text === undefined) return false; // removed meanwhile
    try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed !== "object" || parsed === null || Array.isArray(parsed);
    } catch {
        return true;
    }
}

async function unreadableAmong(candidates: readonly string[]): Promise<string[]> {
    const verdicts = await Promise.all(candidates.map(unreadable));
    return candidates.filter((_, index) => verdicts[index]);
}

/** The unreadable metadata sidecars of `project`'s files in the backend at `root`, as absolute paths. */
export async function unreadableMetadataFiles(root: string, project: string): Promise<string[]> {
    const state = path.join(root, ".pulumi");
    const candidates = [
        ...(await sidecarsIn(state)),
        // Stacks of projects laid out before Pulumi 3.61 live directly in stacks/.
        ...(await sidecarsIn(path.join(state, "stacks"))),
        ...(await sidecarsIn(path.join(state, "stacks", project))),
    ];
    const locks = path.join(state, "locks");
    for (const organization of await fs.readdir(locks).catch(() => [] as string[])) {
        const projectLocks = path.join(locks, organization, project);
        for (const stack of await fs.readdir(projectLocks).catch(() => [] as string[])) candidates.push(...(await sidecarsIn(path.join(projectLocks, stack))));
    }
    return unreadableAmong(candidates);
}

/** The unreadable metadata sidecars of one stack's update history: `pulumi stack history` stops at the first. */
export async function unreadableHistoryFiles(root: string, project: string, stack: string): Promise<string[]> {
    return unreadableAmong(await sidecarsIn(path.join(root, ".pulumi", "history", project, stack)));
}

/** Removes them; one a CLI removed meanwhile is no error. */
export async function removeFiles(files: readonly string[]): Promise<void> {
    await Promise.all(files.map((file) => fs.rm(file, { force: true })));
}

/** The stacks the damaged files belong to (a checkpoint, its backup, a lock), by name. */
export function stacksOf(files: readonly string[], root: string, project: string): string[] {
    const names = new Set<string>();
    for (const file of files) {
        const parts = path.relative(path.join(root, ".pulumi"), file).split(path.sep);
        if (parts[0] === "stacks") {
            const name = parts[parts.length - 1].replace(/\.json(\.gz)?(\.bak)?\.attrs$/, "");
            if (name !== parts[parts.length - 1]) names.add(name);
        } else if (parts[0] === "locks" && parts[2] === project && parts.length === 5) {
            names.add(parts[3]);
        }
    }
    return [...names];
}

function listed(files: readonly string[], root: string): string {
    const count = `${files.length} metadata file${files.length === 1 ? "" : "s"}`;
    return `${count} an interrupted command left empty or cut short (${files.map((file) => path.relative(root, file)).join(", ")})`;
}

/** Why nothing ran, and the command that repairs it. */
export function damagedBackendAdvice(files: readonly string[], root: string, project: string): string {
    const stacks = stacksOf(files, root, project);
    const command = recoverCommand(stacks.length ? stacks.join(",") : "<a stack of this project>");
    return (
        `the state backend ${root} holds ${listed(files, root)}: every Pulumi command that reads ${files.length === 1 ? "it" : "them"} ` +
        `fails with "EOF", although the state itself is intact. Nothing was run. Run \`${command}\`: it removes ${files.length === 1 ? "it" : "them"} first.`
    );
}

/** What recover says it removed. */
export function repairedBackendLine(files: readonly string[], root: string): string {
    return `recover: removed ${listed(files, root)} from the state backend ${root}; the state ${files.length === 1 ? "it describes" : "they describe"} is intact`;
}
