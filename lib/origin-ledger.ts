// Which of the account's directory roles and security-group memberships this stack
// granted, and which it adopted (the account held them before the stack): the rule
// that decides what `pulumi destroy`, and removing an environment from the list, give
// back. Adopted access is left as found (the resources are registered with
// retainOnDelete); granted access is removed. One exception: Global Administrator is
// removed whatever its origin when a stage no longer declares it — taking it away
// again is the point of the procedure.
//
// The tenant alone cannot tell the two apart once the stack exists (a role the stack
// granted looks like one held before), so the component records the adopted ones in
// its outputs, and each run decides per resource:
//   - already in the previous state: keeps the origin recorded then;
//   - in the previous state, but recorded by a version that kept no ledger: the stack
//     cannot prove it granted it, so it counts as adopted (left in place) and the
//     preview names it;
//   - new, held by the account, and listed in the previous run's granting record: an
//     interrupted update granted it (its resource never reached the state, or `fleet
//     recover` cleared the pending create): granted;
//   - new, and the account holds it already (preflight's ExistingAccess): adopted;
//   - new otherwise: granted.
// The granting record is what a run is about to grant: the directory roles and group
// memberships it decides are granted and that are not in the previous state, and the
// environments whose System Administrator resource is new. The component records it
// before any of its children is created (service-account-access.ts), so a run cut short
// leaves it in the checkpoint for the next one. A Dataverse role decides its origin in
// its provider: the program passes it the hint (grantedByEarlierAttempt), read by create.
// Pure: the previous state and the tenant's answers come in as data.

import { DirectoryRole, DIRECTORY_ROLES, GLOBAL_ADMINISTRATOR } from "./directory-roles";
import {
    COMPONENT_TYPE,
    DIRECTORY_ROLE_ASSIGNMENT_TYPE,
    GROUP_MEMBER_TYPE,
    PreviousResource,
    PreviousState,
    previousResource,
    SECURITY_ROLE_ASSIGNMENT_TYPE,
    TIME_BOUND_ROLE_ASSIGNMENT_TYPE,
} from "./previous-state";
import type { ExistingAccess } from "./preflight";

export type Origin = "granted" | "adopted";

// The type tokens live with the state reader; re-exported for the component and the tests.
export { COMPONENT_TYPE, DIRECTORY_ROLE_ASSIGNMENT_TYPE, GROUP_MEMBER_TYPE, SECURITY_ROLE_ASSIGNMENT_TYPE, TIME_BOUND_ROLE_ASSIGNMENT_TYPE };

export function directoryRoleResourceName(role: DirectoryRole): string {
    return `directory-role-${role.key}`;
}

export function groupMemberResourceName(groupId: string): string {
    return `security-group-member-${groupId}`;
}

export function environmentUserResourceName(environmentId: string): string {
    return `environment-user-${environmentId}`;
}

export function securityRoleResourceName(environmentId: string): string {
    return `system-administrator-${environmentId}`;
}

/** What the component records (its input and its output `adopted`): the adopted ones, by id. */
export interface AdoptedLedger {
    /** Role template ids (lower case). */
    readonly directoryRoles: readonly string[];
    /** Security group ids (lower case). */
    readonly groupMemberships: readonly string[];
}

/** What the component records a run is about to grant (its input and its output `granting`), by id. */
export interface GrantingLedger {
    /** Permanent directory roles' template ids (lower case). */
    readonly directoryRoles: readonly string[];
    /** Security group ids (lower case). */
    readonly groupMemberships: readonly string[];
    /** Environments whose System Administrator resource is new (lower case). */
    readonly environments: readonly string[];
}

export interface Origins {
    /** By role template id (lower case), for the permanent directory roles declared this run. */
    readonly directoryRoles: Readonly<Record<string, Origin>>;
    /** By group id (lower case), for the memberships declared this run. */
    readonly groupMemberships: Readonly<Record<string, Origin>>;
    /** Held in the previous state with no origin recorded (an earlier version): treated as adopted. */
    readonly unproven: readonly string[];
    /** What the component records this run. */
    readonly ledger: AdoptedLedger;
    /** What this run is about to grant: recorded before anything is created. */
    readonly granting: GrantingLedger;
    /**
     * Environments (lower case) whose System Administrator resource is new and which the
     * previous run's granting record lists: their create counts a role it finds held as granted.
     */
    readonly grantedByEarlierAttempt: readonly string[];
}

/** Global Administrator is the one role given back whatever its origin. */
export function isRetainedWhenAdopted(role: DirectoryRole): boolean {
    return role.templateId !== GLOBAL_ADMINISTRATOR.templateId;
}

function recordedLedger(previous: PreviousState): AdoptedLedger | undefined {
    const component = previous.resources.find((resource) => resource.type === COMPONENT_TYPE);
    const adopted = component?.outputs.adopted as Partial<AdoptedLedger> | undefined;
    if (!adopted || !Array.isArray(adopted.directoryRoles) || !Array.isArray(adopted.groupMemberships)) return undefined;
    return {
        directoryRoles: adopted.directoryRoles.map((id) => String(id).toLowerCase()),
        groupMemberships: adopted.groupMemberships.map((id) => String(id).toLowerCase()),
    };
}

const lowerCaseIds = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.map((id) => String(id).toLowerCase()) : undefined);

/** The previous run's granting record; an empty one when it kept none. */
function recordedGranting(previous: PreviousState): GrantingLedger {
    const component = previous.resources.find((resource) => resource.type === COMPONENT_TYPE);
    const granting = (component?.outputs.granting ?? {}) as Partial<Record<keyof GrantingLedger, unknown>>;
    return {
        directoryRoles: lowerCaseIds(granting.directoryRoles) ?? [],
        groupMemberships: lowerCaseIds(granting.groupMemberships) ?? [],
        environments: lowerCaseIds(granting.environments) ?? [],
    };
}

export interface OriginQuestion {
    readonly previous: PreviousState;
    /** The permanent directory roles this run declares. */
    readonly directoryRoles: readonly DirectoryRole[];
    /** The security groups this run declares a membership of. */
    readonly groupIds: readonly string[];
    /** The environments this run gives System Administrator in. */
    readonly environmentIds?: readonly string[];
    readonly existing: ExistingAccess;
}

export function decideOrigins(question: OriginQuestion): Origins {
    const recorded = recordedLedger(question.previous);
    const wasGranting = recordedGranting(question.previous);
    const unproven: string[] = [];
    const decide = (inState: PreviousResource | undefined, recordedAdopted: boolean, heldNow: boolean, grantedBefore: boolean, what: string): Origin => {
        if (!inState) return heldNow && !grantedBefore ? "adopted" : "granted";
        if (recorded) return recordedAdopted ? "adopted" : "granted";
        unproven.push(what);
        return "adopted";
    };
    const granting = { directoryRoles: [] as string[], groupMemberships: [] as string[], environments: [] as string[] };

    const directoryRoles: Record<string, Origin> = {};
    for (const role of question.directoryRoles) {
        const id = role.templateId.toLowerCase();
        const inState = previousResource(question.previous, DIRECTORY_ROLE_ASSIGNMENT_TYPE, directoryRoleResourceName(role));
        const held = !!question.existing.roleAssignmentIds[id];
        directoryRoles[id] = decide(inState, !!recorded?.directoryRoles.includes(id), held, wasGranting.directoryRoles.includes(id), role.displayName);
        if (!inState && directoryRoles[id] === "granted") granting.directoryRoles.push(id);
    }
    const groupMemberships: Record<string, Origin> = {};
    for (const groupId of question.groupIds) {
        const id = groupId.toLowerCase();
        const inState = previousResource(question.previous, GROUP_MEMBER_TYPE, groupMemberResourceName(groupId));
        const held = question.existing.groupMemberships.some((group) => group.toLowerCase() === id);
        groupMemberships[id] = decide(
            inState,
            !!recorded?.groupMemberships.includes(id),
            held,
            wasGranting.groupMemberships.includes(id),
            `membership of security group ${groupId}`,
        );
        if (!inState && groupMemberships[id] === "granted") granting.groupMemberships.push(id);
    }
    const grantedByEarlierAttempt: string[] = [];
    for (const environmentId of question.environmentIds ?? []) {
        if (previousResource(question.previous, SECURITY_ROLE_ASSIGNMENT_TYPE, securityRoleResourceName(environmentId))) continue;
        const id = environmentId.toLowerCase();
        granting.environments.push(id);
        if (wasGranting.environments.includes(id)) grantedByEarlierAttempt.push(id);
    }
    // Dataverse roles record their origin in their own outputs (the provider decides it).
    for (const resource of question.previous.resources.filter((r) => r.type === SECURITY_ROLE_ASSIGNMENT_TYPE)) {
        if (resource.outputs.origin === undefined) unproven.push(dataverseRoleDescription(resource));
    }
    const adoptedOf = (origins: Record<string, Origin>) =>
        Object.keys(origins)
            .filter((id) => origins[id] === "adopted")
            .sort();
    return {
        directoryRoles,
        groupMemberships,
        unproven,
        ledger: { directoryRoles: adoptedOf(directoryRoles), groupMemberships: adoptedOf(groupMemberships) },
        granting: {
            directoryRoles: granting.directoryRoles.sort(),
            groupMemberships: granting.groupMemberships.sort(),
            environments: granting.environments.sort(),
        },
        grantedByEarlierAttempt: grantedByEarlierAttempt.sort(),
    };
}

/**
 * Global Administrator held directly by the account, while the stage declares no
 * permanent assignment of it (operational; or time-bound elevation, whose delete ends
 * only its own assignment), the state holds no resource for it, and the previous run's granting record
 * lists it: an interrupted update granted it, and nothing in this run would remove it.
 * Returns the refusal's text, or undefined when there is nothing to refuse.
 */
export function interruptedGlobalAdministrator(
    previous: PreviousState,
    declaresPermanentGlobalAdministrator: boolean,
    existing: ExistingAccess,
    account: string,
    stack: string,
): string | undefined {
    if (declaresPermanentGlobalAdministrator) return undefined;
    const id = GLOBAL_ADMINISTRATOR.templateId.toLowerCase();
    const assignmentId = existing.roleAssignmentIds[id];
    if (!assignmentId) return undefined;
    if (previousResource(previous, DIRECTORY_ROLE_ASSIGNMENT_TYPE, directoryRoleResourceName(GLOBAL_ADMINISTRATOR))) return undefined;
    if (!recordedGranting(previous).directoryRoles.includes(id)) return undefined;
    return (
        `${account} holds a permanent Global Administrator assignment (${assignmentId}) that an interrupted update of this stack granted: ` +
        `its resource never reached the state, so this stage, which declares no permanent Global Administrator, would leave it in place. ` +
        `Fix: bring the stack back to the stage that granted it (\`npm run fleet -- up --stacks ${stack} --stage bootstrap\`, ` +
        `without time-bound elevation), which takes the assignment into the state as the stack's own; then \`npm run fleet -- up --stacks ${stack} --stage operational\` removes it. ` +
        `Or remove it by hand: Entra admin center → Roles & admins → Global Administrator → remove ${account} ` +
        `(or DELETE /roleManagement/directory/roleAssignments/${assignmentId} in Microsoft Graph), then run this stage again.`
    );
}

function roleName(templateId: string): string {
    return DIRECTORY_ROLES.find((role) => role.templateId === templateId)?.displayName ?? `directory role ${templateId}`;
}

function dataverseRoleDescription(resource: PreviousResource): string {
    return `${String(resource.outputs.roleName || "System Administrator")} in environment ${String(resource.outputs.environmentId)}`;
}

/** Dataverse roles in the previous state, by what their delete does. */
function dataverseRoles(previous: PreviousState): { removed: string[]; kept: string[] } {
    const removed: string[] = [];
    const kept: string[] = [];
    for (const resource of previous.resources.filter((r) => r.type === SECURITY_ROLE_ASSIGNMENT_TYPE)) {
        const what = dataverseRoleDescription(resource);
        (resource.outputs.origin === "granted" ? removed : kept).push(what);
    }
    return { removed, kept };
}

/**
 * The preview's statement of what `pulumi destroy`, or removing an environment, would
 * give back: one line for what is removed, one for what is left in place.
 */
export function describeGiveBack(origins: Origins, previous: PreviousState, timeBoundRoles: readonly DirectoryRole[]): string {
    const removed: string[] = [];
    const kept: string[] = [];
    for (const [templateId, origin] of Object.entries(origins.directoryRoles)) {
        const name = roleName(templateId);
        if (templateId === GLOBAL_ADMINISTRATOR.templateId) removed.push(`${name} (whatever its origin)`);
        else (origin === "granted" ? removed : kept).push(name);
    }
    for (const role of timeBoundRoles) removed.push(`${role.displayName} (its own time-bound assignment only)`);
    for (const [groupId, origin] of Object.entries(origins.groupMemberships)) {
        (origin === "granted" ? removed : kept).push(`membership of security group ${groupId}`);
    }
    const dataverse = dataverseRoles(previous);
    removed.push(...dataverse.removed.map((what) => `${what} (only the copy it associated, in its business unit)`));
    kept.push(...dataverse.kept);
    return (
        `What \`pulumi destroy\` or removing an environment gives back: only what this stack granted. ` +
        `Removes: ${removed.length ? removed.join("; ") : "nothing"}. ` +
        `Leaves in place (held before this stack): ${kept.length ? kept.join("; ") : "nothing"}. ` +
        `A Dataverse role the update is about to give counts as granted unless the account holds it already ` +
        `(or an interrupted earlier update of this stack was giving it).`
    );
}

/** The preview's warning for what an earlier version's state cannot prove it granted. */
export function unprovenWarning(unproven: readonly string[]): string | undefined {
    if (!unproven.length) return undefined;
    return (
        `The stack's state was written by a version that did not record origins, so it cannot prove it granted: ${unproven.join("; ")}. ` +
        `These count as held before the stack: \`pulumi destroy\` and removing an environment leave them in place. ` +
        `If this stack did grant them, remove them by hand after a destroy (Entra admin center).`
    );
}
