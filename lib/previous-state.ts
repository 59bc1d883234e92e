// What the stack held after its last update, read before the program registers
// anything: which resources it manages, their outputs, and the origin ledger the
// component recorded. The program needs it for two decisions the tenant alone cannot
// answer: whether an assignment the account holds was granted by this stack or was
// there before it (see origin-ledger.ts), and whether the stack's state holds grants
// to the operator's own identity (see preflight.ts).
//
// It comes from the engine's builtin invoke `pulumi:pulumi:readStackResourceOutputs`
// (the one StackReference uses), asked for this very stack: it returns every resource
// of the last checkpoint with its type and outputs, registers nothing and so leaves the
// state's shape unchanged. A new stack has no checkpoint: the answer is empty.

import type { EnvironmentResourcesInState } from "./environment-plan";
import { normalizeId } from "./ids";

/** The invoke function: pulumi.runtime.invoke in the program, a fake in tests. */
export type Invoke = (token: string, args: Record<string, unknown>) => Promise<unknown>;

export const READ_STACK_RESOURCE_OUTPUTS = "pulumi:pulumi:readStackResourceOutputs";

export interface PreviousResource {
    readonly urn: string;
    readonly type: string;
    /** The resource's name: the URN's last segment. */
    readonly name: string;
    readonly outputs: Readonly<Record<string, unknown>>;
}

export interface PreviousState {
    readonly resources: readonly PreviousResource[];
}

export const NO_PREVIOUS_STATE: PreviousState = { resources: [] };

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The invoke's answer, `{name, outputs: {<urn>: {type, outputs}}}`, as a list. */
export function parseStackResourceOutputs(answer: unknown): PreviousState {
    const byUrn = isRecord(answer) && isRecord(answer.outputs) ? answer.outputs : {};
    const resources = Object.entries(byUrn).map(([urn, entry]) => {
        const record = isRecord(entry) ? entry : {};
        return {
            urn,
            type: typeof record.type === "string" ? record.type : "",
            name: urn.slice(urn.lastIndexOf("::") + 2),
            outputs: isRecord(record.outputs) ? record.outputs : {},
        };
    });
    return { resources };
}

/** Reads this stack's last checkpoint; `stackName` is organization/project/stack. */
export async function readPreviousState(invoke: Invoke, stackName: string): Promise<PreviousState> {
    return parseStackResourceOutputs(await invoke(READ_STACK_RESOURCE_OUTPUTS, { stackName }));
}

export function previousResource(state: PreviousState, type: string, name: string): PreviousResource | undefined {
    return state.resources.find((resource) => resource.type === type && resource.name === name);
}

/** One access grant the state holds: to whom, and which resource holds it. */
export interface StateGrant {
    readonly principalId: string;
    readonly urn: string;
}

/** The type tokens of what the program registers, as the state names them. */
export const COMPONENT_TYPE = "d365-backup-access:index:ServiceAccountAccess";
export const DIRECTORY_ROLE_ASSIGNMENT_TYPE = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment";
export const GROUP_MEMBER_TYPE = "azuread:index/groupMember:GroupMember";
export const ENVIRONMENT_USER_TYPE = "pulumi-nodejs:dynamic/powerplatform:EnvironmentUser";
export const SECURITY_ROLE_ASSIGNMENT_TYPE = "pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment";
export const TIME_BOUND_ROLE_ASSIGNMENT_TYPE = "pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment";

/** Where each resource type that grants access keeps the principal it grants to. */
export const PRINCIPAL_OUTPUT_BY_TYPE: Readonly<Record<string, string>> = {
    [DIRECTORY_ROLE_ASSIGNMENT_TYPE]: "principalObjectId",
    [GROUP_MEMBER_TYPE]: "memberObjectId",
    [TIME_BOUND_ROLE_ASSIGNMENT_TYPE]: "principalObjectId",
    [ENVIRONMENT_USER_TYPE]: "userObjectId",
    [SECURITY_ROLE_ASSIGNMENT_TYPE]: "userObjectId",
};

/** Every grant in the state, with its principal (lower case). */
export function grantsInState(state: PreviousState): StateGrant[] {
    const grants: StateGrant[] = [];
    for (const resource of state.resources) {
        const key = PRINCIPAL_OUTPUT_BY_TYPE[resource.type];
        const principal = key ? resource.outputs[key] : undefined;
        if (typeof principal === "string" && principal) grants.push({ principalId: principal.toLowerCase(), urn: resource.urn });
    }
    return grants;
}

/** Per environment (id as normalizeId writes it): which of its resources the state holds, and the name it had then. */
export function environmentsInState(state: PreviousState): Map<string, EnvironmentResourcesInState> {
    const environments = new Map<string, EnvironmentResourcesInState>();
    for (const resource of state.resources) {
        const isUser = resource.type === ENVIRONMENT_USER_TYPE;
        if (!isUser && resource.type !== SECURITY_ROLE_ASSIGNMENT_TYPE) continue;
        const id = resource.outputs.environmentId;
        if (typeof id !== "string" || !id) continue;
        const key = normalizeId(id);
        const entry = environments.get(key) ?? { user: false, role: false, roleKeepsUser: false };
        const name = resource.outputs.environmentName;
        environments.set(key, {
            user: entry.user || isUser,
            role: entry.role || !isUser,
            roleKeepsUser: entry.roleKeepsUser || (!isUser && resource.outputs.accessMode !== undefined),
            displayName: entry.displayName ?? (typeof name === "string" && name ? name : undefined),
        });
    }
    return environments;
}

/** The stage the stack's last update applied: its root stack's `stage` output (undefined for a new stack). */
export function previousStage(state: PreviousState): string | undefined {
    const stage = state.resources.find((resource) => resource.type === "pulumi:pulumi:Stack")?.outputs.stage;
    return typeof stage === "string" ? stage : undefined;
}
