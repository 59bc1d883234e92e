// Seed validation: every problem is collected (so one run shows them all), each naming
// the field, the value found and what is expected. Valid seeds come back normalised,
// with defaults filled in and derived ids (system user ids, role assignment ids) fixed.
// The parts are read by their own modules: reader.ts (the value readers), directory.ts,
// environments.ts and behaviour.ts.
import { readBehaviour, readFault } from "./behaviour";
import {
    checkDirectory,
    directoryOf,
    readApplication,
    readDirectoryRoleAssignments,
    readGroup,
    readOperator,
    readRoleEligibilitySchedules,
    readUser,
} from "./directory";
import { readEnvironments } from "./environments";
import { Reader } from "./reader";
import { FaultSeed, TenantState } from "./types";

export class SeedError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid emulator seed (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "SeedError";
    }
}

const SEED_FIELDS = [
    "tenantId",
    "entraIdP2",
    "operator",
    "applications",
    "users",
    "directoryRoleAssignments",
    "roleEligibilitySchedules",
    "groups",
    "environments",
    "behaviour",
    "faults",
];

/** Validates a seed (parsed JSON) and returns the live tenant state it describes. */
export function validateSeed(input: unknown): TenantState {
    const r = new Reader();
    const root = r.object("seed", input, SEED_FIELDS);
    if (!root) throw new SeedError(r.problems);

    const tenantId = r.guid("seed.tenantId", root.tenantId);
    const operator = readOperator(r, root.operator);
    const applications = r.array("seed.applications", root.applications).map((value, i) => readApplication(r, i, value));
    const users = r.each("seed.users", root.users, (p, value) => readUser(r, p, value));
    const groups = r.each("seed.groups", root.groups, (p, value) => readGroup(r, p, value));
    const directory = directoryOf(operator, applications, users, groups);
    checkDirectory(r, operator, applications, users, groups, directory);

    const directoryRoleAssignments = readDirectoryRoleAssignments(r, root.directoryRoleAssignments, directory);
    const roleEligibilitySchedules = readRoleEligibilitySchedules(r, root.roleEligibilitySchedules, directory);
    const environments = readEnvironments(r, root.environments, tenantId, directory);
    const behaviour = readBehaviour(r, root.behaviour);
    const faults = r.each("seed.faults", root.faults, (p, f) => readFault(r, p, f));
    if (r.problems.length > 0) throw new SeedError(r.problems);

    const entraIdP2 = r.boolean("seed.entraIdP2", root.entraIdP2, true);
    if (!entraIdP2 && roleEligibilitySchedules.length > 0)
        r.problem(
            "seed.roleEligibilitySchedules",
            `${roleEligibilitySchedules.length} entries`,
            "none: eligible assignments need Entra PIM, which needs entraIdP2: true",
        );
    if (r.problems.length > 0) throw new SeedError(r.problems);
    return { tenantId, entraIdP2, operator, applications, users, directoryRoleAssignments, roleEligibilitySchedules, groups, environments, behaviour, faults };
}

/** Validates a fault added at run time; throws SeedError naming the problems. */
export function validateFault(value: unknown): FaultSeed {
    const r = new Reader();
    const fault = readFault(r, "fault", value);
    if (r.problems.length > 0) throw new SeedError(r.problems);
    return fault;
}
