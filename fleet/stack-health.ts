// Whether a stack can be worked on as it is, read from its exported state and from the
// CLI's own lock refusal — before anything runs:
//
//   pending operations   steps a killed CLI left in flight (`pending_operations` of the
//                        checkpoint). Pulumi carries pending creates through every later
//                        non-interactive update without a word, and the next update
//                        creates those resources again; so the fleet stops and says to
//                        run `fleet recover`.
//   locks                self-managed backends (file, Azure Blob, S3, GCS) keep one lock
//                        file per running CLI, with its pid, user and host, and never
//                        expire it. A lock whose process is gone from this host is stale.
//   0.1.0 provider code  state written by 0.1.0 stores each dynamic resource's provider
//                        code (`__provider`), and a refresh runs that stored code, which
//                        has no read-only mode: such a stack is named, not refreshed.
//
// Pure but for processAlive (a signal-0 probe), the host name (both passed in where
// tested) and the reading of a local file backend's lock files.

import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

import { recoverCommand } from "../cli/backend-files";
import { isLegacyProviderText } from "../providers";

/** The one command that rewrites a 0.1.0 stack's stored provider code in place (no change in the tenant). */
export function upgradeCommand(stack: string): string {
    return `npx pulumi up --stack ${stack}`;
}

export interface PendingOperation {
    /** creating, updating, deleting, reading, … */
    readonly type: string;
    readonly urn: string;
}

export interface StateHealth {
    readonly pendingOperations: readonly PendingOperation[];
    /** Resources whose state holds provider code other than this version's (0.1.0's serialized copy). */
    readonly legacyProviderResources: readonly string[];
}

function resourceName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** What `pulumi stack export` says of the stack (`deployment` is the export's own `deployment`). */
export function stateHealth(deployment: unknown): StateHealth {
    const checkpoint = (deployment ?? {}) as { resources?: unknown[]; pending_operations?: unknown[] };
    const pendingOperations = (checkpoint.pending_operations ?? []).map((entry) => {
        const op = entry as { type?: string; resource?: { urn?: string } };
        return { type: op.type ?? "unknown", urn: op.resource?.urn ?? "unknown" };
    });
    const legacyProviderResources = (checkpoint.resources ?? [])
        .map((entry) => entry as { urn?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> })
        .filter((resource) => isLegacyProviderText(resource.inputs?.__provider) || isLegacyProviderText(resource.outputs?.__provider))
        .map((resource) => resourceName(resource.urn ?? "unknown"));
    return { pendingOperations, legacyProviderResources };
}

/** "2 pending operations (creating power-platform-administrator, deleting global-administrator)". */
export function describePending(pending: readonly PendingOperation[]): string {
    const listed = pending.map((op) => `${op.type} ${resourceName(op.urn)}`).join(", ");
    return `${pending.length} pending operation${pending.length === 1 ? "" : "s"} (${listed})`;
}

/** Why the fleet does not run a stack that an interrupted update left behind, and what to run. */
export function pendingAdvice(stack: string, pending: readonly PendingOperation[]): string {
    return (
        `the stack holds ${describePending(pending)} left by an update that was interrupted; ` +
        `nothing was run. Run \`${recoverCommand(stack)}\`: it clears them, adopts what was created meanwhile and brings the tenant to the stack's stage.`
    );
}

/** Why a stack whose state holds 0.1.0 provider code is not run (`status`: its drift check only), and the one command that upgrades it. */
export function legacyAdvice(stack: string, resources: readonly string[], command = "status"): string {
    const consequence =
        command === "status"
            ? "so status does not refresh it (no drift check)"
            : "and every refresh (a preview or update with --refresh too) and every delete runs it; nothing was run";
    return (
        `its state still holds provider code written by version 0.1.0 (${resources.length} resource${resources.length === 1 ? "" : "s"}), ` +
        `which has no read-only mode, ${consequence}. ` +
        `Upgrade it once with \`${upgradeCommand(stack)}\`: it rewrites the stored provider in place and changes nothing in the tenant.`
    );
}

export interface StackLock {
    /** Where the lock file is, as the CLI shows it (credentials masked by the CLI). */
    readonly location: string;
    readonly user: string;
    readonly host: string;
    readonly pid: number;
    readonly time: string;
}

const LOCKED = /the stack is currently locked by \d+ lock\(s\)/;
const LOCK_LINE = /^\s*(\S+): created by (.*)@([^@\s]*) \(pid (\d+)\) at (\S+)\s*$/;

/** The locks a self-managed backend's CLI refusal lists; null when the message is no lock refusal. */
export function locksFromError(message: string): StackLock[] | null {
    if (!LOCKED.test(message)) return null;
    return message.split("\n").flatMap((line) => {
        const match = LOCK_LINE.exec(line);
        return match ? [{ location: match[1], user: match[2], host: match[3], pid: Number(match[4]), time: match[5] }] : [];
    });
}

/** True while a process with this id exists on this machine (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

export type LockVerdict = "stale" | "live" | "elsewhere";

/** stale: its process is gone from this host; live: it runs here; elsewhere: another host, which this machine cannot ask. */
export function judgeLock(lock: StackLock, host = os.hostname(), alive: (pid: number) => boolean = processAlive): LockVerdict {
    if (lock.host !== host) return "elsewhere";
    return alive(lock.pid) ? "live" : "stale";
}

export function describeLock(lock: StackLock, verdict: LockVerdict): string {
    const owner = `${lock.user}@${lock.host} (pid ${lock.pid}) at ${lock.time}`;
    switch (verdict) {
        case "stale":
            return `stale lock ${lock.location}, created by ${owner}: that process is no longer running on this host`;
        case "live":
            return `lock ${lock.location}, created by ${owner}: that process is still running on this host`;
        case "elsewhere":
            return `lock ${lock.location}, created by ${owner}: another host, whose processes this machine cannot see`;
    }
}

/** What to do about a stack the CLI refused because of its locks. */
export function lockAdvice(stack: string, locks: readonly StackLock[], host = os.hostname(), alive: (pid: number) => boolean = processAlive): string {
    if (locks.length === 0)
        return `the stack is locked (the backend named no lock file). Wait for its update to end; only when you know none runs, run \`${recoverCommand(stack)} --force\`.`;
    const judged = locks.map((lock) => ({ lock, verdict: judgeLock(lock, host, alive) }));
    const described = judged.map(({ lock, verdict }) => describeLock(lock, verdict)).join("; ");
    if (judged.length > 0 && judged.every(({ verdict }) => verdict === "stale")) {
        return `the stack is locked by an interrupted update: ${described}. Run \`${recoverCommand(stack)}\`.`;
    }
    return (
        `the stack is locked: ${described}. Wait for that update to end; ` + `only when you know it no longer runs, run \`${recoverCommand(stack)} --force\`.`
    );
}

/** The lock files of a stack in a local file backend: `.pulumi/locks/<org>/<project>/<stack>/<id>.json`, with pid, user, host and time. */
export async function readFileBackendLocks(root: string, project: string, stack: string): Promise<StackLock[]> {
    const locksDirectory = path.join(root, ".pulumi", "locks");
    const organizations = await fs.readdir(locksDirectory).catch(() => [] as string[]);
    const directories = organizations.map((organization) => path.join(locksDirectory, organization, project, stack));
    const locks: StackLock[] = [];
    for (const directory of directories) {
        const files = await fs.readdir(directory).catch(() => [] as string[]);
        for (const file of files.filter((name) => name.endsWith(".json"))) {
            const location = path.join(directory, file);
            const text = await fs.readFile(location, "utf8").catch(() => undefined);
            if (text === undefined) continue; // removed meanwhile: its update ended
            let content: { pid?: number; username?: string; hostname?: string; timestamp?: string };
            try {
                content = JSON.parse(text);
            } catch {
                content = {};
            }
            locks.push({ location, user: content.username ?? "?", host: content.hostname ?? "?", pid: content.pid ?? 0, time: content.timestamp ?? "?" });
        }
    }
    return locks;
}
