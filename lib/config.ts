// Stack configuration: read once, validated in one place, every problem reported
// together so an operator fixes a stack in one pass instead of one error per run.
// Pure: it sees configuration through a `get(key)` function, so tests need no Pulumi.

import { CLOUD_NAMES, CloudName, MAX_ELEVATION_HOURS, MAX_JUSTIFICATION_LENGTH, MIN_ELEVATION_HOURS, NAMESPACE } from "../providers";
import { isEnvironmentId, isGuid, isUserPrincipalName, normalizeId } from "./ids";
import { isStage, Stage, STAGES } from "./stages";

// One namespace and one list of clouds for the program and its Power Platform clients.
export { NAMESPACE };
export type Cloud = CloudName;

/** The service account as configured: resolved to an Entra user by the program. */
export type ServiceAccountRef =
    { readonly kind: "objectId"; readonly objectId: string } | { readonly kind: "userPrincipalName"; readonly userPrincipalName: string };

/** Which Power Platform environments to give the account access to. */
export type EnvironmentSelection = { readonly kind: "all"; readonly exclude: readonly string[] } | { readonly kind: "listed"; readonly ids: readonly string[] };

export interface ProgramConfig {
    readonly stage: Stage;
    readonly serviceAccount: ServiceAccountRef;
    readonly environments: EnvironmentSelection;
    readonly cloud: Cloud;
    /** When false, a missing Dynamics licence is a warning instead of an error. */
    readonly requireDynamicsLicense: boolean;
    /** Set: Global Administrator is time-bound (Entra PIM) in the stages that grant it. */
    readonly elevation?: Elevation;
}

/** How long Global Administrator lasts once granted, and why it is asked for. */
export interface Elevation {
    readonly hours: number;
    /** The operator's own reason; the program names the stage when there is none. */
    readonly justification?: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `The stack configuration has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}; nothing was changed:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Reads a raw configuration value by its key within the project namespace ("stage", not "d365-backup-access:stage"). */
export type ConfigSource = (key: string) => string | undefined;

const ALL_ENVIRONMENTS = "*";
const EXAMPLE_ENVIRONMENT_ID = "00000000-0000-0000-0000-000000000000";

function keyName(key: string): string {
    return `${NAMESPACE}:${key}`;
}

/** Parses a list-valued key; Pulumi stores lists as JSON text. Returns undefined (and records a problem) when malformed. */
function readStringList(get: ConfigSource, key: string, problems: string[]): string[] | undefined {
    const raw = get(key);
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        problems.push(
            `${keyName(key)}: ${JSON.stringify(raw)} is not a list; expected a JSON list of environment ids, ` +
                `e.g. pulumi config set --path '${keyName(key)}[0]' ${EXAMPLE_ENVIRONMENT_ID}`,
        );
        return undefined;
    }
    if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== "string")) {
        problems.push(`${keyName(key)}: ${raw} is not a list of strings; expected a JSON list of environment ids.`);
        return undefined;
    }
    return parsed.map((item) => item.trim());
}

function parseStage(get: ConfigSource, problems: string[]): Stage | undefined {
    const raw = get("stage");
    if (raw === undefined || raw.trim() === "") {
        problems.push(`${keyName("stage")} is not set; expected one of ${STAGES.join(", ")} (start with bootstrap).`);
        return undefined;
    }
    // Case does not matter, as for the cloud: "Operational" means operational.
    const value = raw.trim().toLowerCase();
    if (!isStage(value)) {
        problems.push(`${keyName("stage")}: ${JSON.stringify(raw)} is not a stage; expected one of ${STAGES.join(", ")}.`);
        return undefined;
    }
    return value;
}

function parseServiceAccount(get: ConfigSource, problems: string[]): ServiceAccountRef | undefined {
    const raw = get("serviceAccount");
    if (raw === undefined || raw.trim() === "") {
        problems.push(
            `${keyName("serviceAccount")} is not set; expected the backup service account's user principal name ` +
                `(e.g. backup@contoso.onmicrosoft.com) or its Entra object id (a GUID).`,
        );
        return undefined;
    }
    const value = raw.trim();
    if (isGuid(value)) return { kind: "objectId", objectId: value.toLowerCase() };
    if (isUserPrincipalName(value)) return { kind: "userPrincipalName", userPrincipalName: value };
    problems.push(
        `${keyName("serviceAccount")}: ${JSON.stringify(raw)} is neither a user principal name (name@domain) ` +
            `nor an Entra object id (a GUID such as ${EXAMPLE_ENVIRONMENT_ID}).`,
    );
    return undefined;
}

/** Checks each id's shape; returns the normalised ids, or undefined when any is malformed. */
function checkEnvironmentIds(key: string, ids: string[], problems: string[]): string[] | undefined {
    let valid = true;
    ids.forEach((id, index) => {
        if (id !== ALL_ENVIRONMENTS && !isEnvironmentId(id)) {
            valid = false;
            problems.push(
                `${keyName(key)}[${index}]: ${JSON.stringify(id)} is not a Power Platform environment id; ` +
                    `expected a GUID such as ${EXAMPLE_ENVIRONMENT_ID}, or Default-<tenant id> for the default environment.`,
            );
        }
    });
    return valid ? ids.map((id) => (id === ALL_ENVIRONMENTS ? id : normalizeId(id))) : undefined;
}

function duplicatesIn(ids: readonly string[]): string[] {
    return [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
}

function parseEnvironments(get: ConfigSource, problems: string[]): EnvironmentSelection | undefined {
    const listed = readStringList(get, "environments", problems);
    const excluded = readStringList(get, "excludeEnvironments", problems) ?? [];

    if (listed === undefined) {
        if (get("environments") === undefined) {
            problems.push(
                `${keyName("environments")} is not set; expected a list of Power Platform environment ids, ` + `or ["*"] for every environment with Dataverse.`,
            );
        }
        return undefined;
    }
    if (listed.length === 0) {
        problems.push(`${keyName("environments")} is an empty list; expected at least one environment id, or ["*"] for every environment with Dataverse.`);
        return undefined;
    }

    const ids = checkEnvironmentIds("environments", listed, problems);
    if (excluded.includes(ALL_ENVIRONMENTS)) {
        problems.push(`${keyName("excludeEnvironments")}: "*" would exclude every environment; list environment ids instead.`);
    }
    const excludedIds = checkEnvironmentIds(
        "excludeEnvironments",
        excluded.filter((id) => id !== ALL_ENVIRONMENTS),
        problems,
    );
    if (ids === undefined || excludedIds === undefined) return undefined;

    for (const id of duplicatesIn(ids)) {
        problems.push(`${keyName("environments")}: ${id} is listed more than once.`);
    }

    if (ids.includes(ALL_ENVIRONMENTS)) {
        if (ids.length > 1) {
            problems.push(
                `${keyName("environments")}: "*" cannot be mixed with environment ids; use ["*"] with ` +
                    `${keyName("excludeEnvironments")} to leave some out, or list the ids alone.`,
            );
            return undefined;
        }
        return { kind: "all", exclude: [...new Set(excludedIds)] };
    }

    const both = ids.filter((id) => excludedIds.includes(id));
    for (const id of both) {
        problems.push(`${id} is both in ${keyName("environments")} and in ${keyName("excludeEnvironments")}; remove it from one of them.`);
    }
    if (both.length > 0) return undefined;
    return { kind: "listed", ids: [...new Set(ids)] };
}

function parseCloud(get: ConfigSource, problems: string[]): Cloud | undefined {
    const raw = get("cloud");
    if (raw === undefined || raw.trim() === "") return "public";
    const value = raw.trim().toLowerCase();
    if (!(CLOUD_NAMES as readonly string[]).includes(value)) {
        problems.push(`${keyName("cloud")}: ${JSON.stringify(raw)} is not a cloud; expected one of ${CLOUD_NAMES.join(", ")}.`);
        return undefined;
    }
    return value as Cloud;
}

function parseBoolean(get: ConfigSource, key: string, fallback: boolean, problems: string[]): boolean | undefined {
    const raw = get(key);
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = raw.trim().toLowerCase();
    if (value === "true") return true;
    if (value === "false") return false;
    problems.push(`${keyName(key)}: ${JSON.stringify(raw)} is not a boolean; expected true or false.`);
    return undefined;
}

function parseElevation(get: ConfigSource, problems: string[]): Elevation | undefined | null {
    const rawHours = get("elevationHours");
    const rawJustification = get("elevationJustification");
    const justification = rawJustification?.trim() || undefined;
    if (justification && justification.length > MAX_JUSTIFICATION_LENGTH) {
        problems.push(`${keyName("elevationJustification")} is ${justification.length} characters long; PIM accepts at most ${MAX_JUSTIFICATION_LENGTH}.`);
    }
    // 0 is Pulumi.yaml's default: no elevation, a permanent Global Administrator.
    if (rawHours === undefined || rawHours.trim() === "" || rawHours.trim() === "0") {
        if (justification) {
            problems.push(
                `${keyName("elevationJustification")} is set but ${keyName("elevationHours")} is not; set ${keyName("elevationHours")} ` +
                    `(${MIN_ELEVATION_HOURS}–${MAX_ELEVATION_HOURS}) for a Global Administrator that ends by itself, or remove ${keyName("elevationJustification")}.`,
            );
            return null;
        }
        return undefined;
    }
    const hours = Number(rawHours.trim());
    if (!/^\d+$/.test(rawHours.trim()) || hours < MIN_ELEVATION_HOURS || hours > MAX_ELEVATION_HOURS) {
        problems.push(
            `${keyName("elevationHours")}: ${JSON.stringify(rawHours)} is not a whole number of hours from ${MIN_ELEVATION_HOURS} to ${MAX_ELEVATION_HOURS}; ` +
                `e.g. 2, or 0 (the default) for a permanent Global Administrator that the operational stage removes.`,
        );
        return null;
    }
    return { hours, justification };
}

/**
 * Validates the whole configuration; throws one ConfigError listing every problem,
 * those of the keys read elsewhere (`otherProblems`: the Power Platform clients'
 * settings) included.
 */
export function parseConfig(get: ConfigSource, otherProblems: readonly string[] = []): ProgramConfig {
    const problems: string[] = [];
    const stage = parseStage(get, problems);
    const serviceAccount = parseServiceAccount(get, problems);
    const environments = parseEnvironments(get, problems);
    const cloud = parseCloud(get, problems);
    const requireDynamicsLicense = parseBoolean(get, "requireDynamicsLicense", true, problems);
    const elevation = parseElevation(get, problems);
    problems.push(...otherProblems);
    if (problems.length > 0 || !stage || !serviceAccount || !environments || !cloud || requireDynamicsLicense === undefined || elevation === null) {
        throw new ConfigError(problems);
    }
    return { stage, serviceAccount, environments, cloud, requireDynamicsLicense, ...(elevation ? { elevation } : {}) };
}

/** How the operator refers to the account in messages. */
export function describeServiceAccount(account: ServiceAccountRef): string {
    return account.kind === "userPrincipalName" ? account.userPrincipalName : account.objectId;
}
