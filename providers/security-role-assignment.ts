// SecurityRoleAssignment: a Dataverse security role held by a user, System
// Administrator by default.
//
// Type pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment
//
//   check   validates the ids (role template defaults to System Administrator)
//   diff    any input change replaces the assignment
//   create  the user must exist and be enabled; adopt the role if the user holds it;
//           otherwise associate the role's copy in the user's business unit (role ids
//           differ per environment and business unit, the template id does not);
//           412 DuplicateRecord = someone else just did it: re-read and adopt
//   read    no id when the role is no longer held (or the user or environment is gone),
//           so `pulumi refresh` shows the drift and the next `up` restores it
//   delete  disassociate every copy of the role the user holds; already gone is success

import * as pulumi from "@pulumi/pulumi";

import { dataverseTarget, DataverseTarget, findEnvironment, getEnvironment } from "./bap";
import { ClientContext } from "./context";
import { associateRole, disabledUserFix, disassociateRole, findRole, getSystemUser, listUserRoles, Role, SystemUser } from "./dataverse";
import { accessError } from "./errors";
import { changedProperties, CheckFailure, checkEnvironmentId, checkGuid, configureProvider, definedOnly, ProviderKey, providerContext } from "./provider-runtime";

export const SECURITY_ROLE_ASSIGNMENT_MODULE = "dataverse";
export const SECURITY_ROLE_ASSIGNMENT_TYPE = "SecurityRoleAssignment";
/** System Administrator's role template id: the same in every environment. */
export const SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID = "627090ff-40a3-4053-8790-584edc5be201";

export interface SecurityRoleAssignmentInputs {
    readonly environmentId: string;
    readonly systemUserId: string;
    readonly roleTemplateId: string;
}

export interface SecurityRoleAssignmentOutputs extends SecurityRoleAssignmentInputs {
    readonly roleId: string;
    readonly roleName: string;
    readonly businessUnitId: string;
    readonly instanceUrl: string;
}

const REPLACE_ON = ["environmentId", "systemUserId", "roleTemplateId"] as const;

function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const withDefault = { ...news, roleTemplateId: news.roleTemplateId ?? SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID };
    const environmentId = checkEnvironmentId(withDefault, failures);
    const systemUserId = checkGuid(withDefault, "systemUserId", failures, "the Dataverse systemuser id");
    const roleTemplateId = checkGuid(withDefault, "roleTemplateId", failures, "a security role template id");
    return {
        inputs: definedOnly({
            environmentId: environmentId ?? news.environmentId,
            systemUserId: systemUserId ?? news.systemUserId,
            roleTemplateId: roleTemplateId ?? withDefault.roleTemplateId,
        }),
        failures,
    };
}

function heldCopies(roles: readonly Role[], templateId: string): Role[] {
    return roles.filter((role) => role.templateId === templateId.toLowerCase());
}

/** The held copy to report: the one in the user's business unit if there is one. */
function preferredCopy(held: readonly Role[], user: SystemUser): Role {
    return held.find((role) => role.businessUnitId === user.businessUnitId) ?? held[0];
}

function outputsFor(inputs: SecurityRoleAssignmentInputs, target: DataverseTarget, user: SystemUser, role: Role): SecurityRoleAssignmentOutputs {
    return {
        environmentId: inputs.environmentId,
        systemUserId: inputs.systemUserId,
        roleTemplateId: inputs.roleTemplateId,
        roleId: role.roleId,
        roleName: role.name,
        businessUnitId: user.businessUnitId,
        instanceUrl: target.instanceUrl,
    };
}

async function requireEnabledUser(ctx: ClientContext, target: DataverseTarget, systemUserId: string): Promise<SystemUser> {
    const user = await getSystemUser(ctx, target, systemUserId);
    if (!user) {
        throw accessError("not-found", {
            what: `The Dataverse user ${systemUserId} does not exist`,
            environmentId: target.environmentId,
            fix: "create the EnvironmentUser first (the role assignment depends on it), or run `pulumi refresh` if the user was removed.",
        });
    }
    if (user.isDisabled) {
        throw accessError("disabled-user", {
            what: `The Dataverse user ${systemUserId} is disabled, and a disabled user cannot be given a security role`,
            environmentId: target.environmentId,
            fix: disabledUserFix(),
        });
    }
    return user;
}

/** Gives the user the role unless it already holds it. */
export async function ensureRoleAssignment(ctx: ClientContext, inputs: SecurityRoleAssignmentInputs): Promise<SecurityRoleAssignmentOutputs> {
    const environment = await getEnvironment(ctx, inputs.environmentId);
    const target = dataverseTarget(environment);
    const user = await requireEnabledUser(ctx, target, inputs.systemUserId);
    const held = heldCopies(await listUserRoles(ctx, target, user.systemUserId), inputs.roleTemplateId);
    if (held.length) {
        ctx.log(`Environment ${environment.id}: the account already holds ${held[0].name || "the role"}; adopting it.`);
        return outputsFor(inputs, target, user, preferredCopy(held, user));
    }
    const role = await findRole(ctx, target, inputs.roleTemplateId, user.businessUnitId);
    if (!role) {
        throw accessError("not-found", {
            what: `No security role with template ${inputs.roleTemplateId} exists in the account's business unit ${user.businessUnitId}`,
            environmentId: environment.id,
            fix: "roleTemplateId must name a system role (System Administrator is 627090ff-40a3-4053-8790-584edc5be201); custom roles have no template.",
        });
    }
    const outcome = await associateRole(ctx, target, user.systemUserId, role.roleId);
    if (outcome === "already-held") {
        // Someone (or a parallel run) associated it between our read and our write.
        const now = heldCopies(await listUserRoles(ctx, target, user.systemUserId), inputs.roleTemplateId);
        if (!now.length) {
            throw accessError("api", {
                what: `Dataverse answered that the account already holds ${role.name} (412), but its roles do not include it`,
                environmentId: environment.id,
                fix: "run `pulumi up` again; if it persists, assign the role in the admin center and run `pulumi refresh`.",
            });
        }
        return outputsFor(inputs, target, user, preferredCopy(now, user));
    }
    return outputsFor(inputs, target, user, role);
}

/** The assignment as it is now, or undefined when the role is not held (or the user or environment is gone). */
export async function readRoleAssignment(ctx: ClientContext, props: SecurityRoleAssignmentOutputs): Promise<SecurityRoleAssignmentOutputs | undefined> {
    const environment = await findEnvironment(ctx, props.environmentId);
    if (!environment?.dataverse) return undefined;
    const target = dataverseTarget(environment);
    const user = await getSystemUser(ctx, target, props.systemUserId);
    if (!user) return undefined;
    const held = heldCopies(await listUserRoles(ctx, target, user.systemUserId), props.roleTemplateId);
    return held.length ? outputsFor(props, target, user, preferredCopy(held, user)) : undefined;
}

/** Takes every copy of the role away from the user; anything already gone counts as done. */
export async function removeRoleAssignment(ctx: ClientContext, props: SecurityRoleAssignmentInputs): Promise<void> {
    const environment = await findEnvironment(ctx, props.environmentId);
    if (!environment?.dataverse) return;
    const target = dataverseTarget(environment);
    const user = await getSystemUser(ctx, target, props.systemUserId);
    if (!user) return;
    for (const role of heldCopies(await listUserRoles(ctx, target, user.systemUserId), props.roleTemplateId)) {
        await disassociateRole(ctx, target, user.systemUserId, role.roleId);
    }
}

function toInputs(values: Record<string, unknown>): SecurityRoleAssignmentInputs {
    return {
        environmentId: String(values.environmentId),
        systemUserId: String(values.systemUserId),
        roleTemplateId: String(values.roleTemplateId ?? SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID),
    };
}

/** A fresh provider object; its configuration lives in the provider host, never in the object. */
export function securityRoleAssignmentProvider(): pulumi.dynamic.ResourceProvider {
    const key: ProviderKey = {};
    return {
        async configure(request: pulumi.dynamic.ConfigureRequest) {
            configureProvider(key, request.config);
        },
        async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
            return checkInputs(news);
        },
        async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
            const replaces = changedProperties(olds, news, REPLACE_ON);
            return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
        },
        async create(inputs: Record<string, unknown>) {
            const ctx = await providerContext(key);
            const outs = await ensureRoleAssignment(ctx, toInputs(inputs));
            return { id: `${outs.environmentId}/${outs.systemUserId}/${outs.roleTemplateId}`, outs };
        },
        async read(id: string, props: Record<string, unknown>) {
            const ctx = await providerContext(key);
            const current = await readRoleAssignment(ctx, props as unknown as SecurityRoleAssignmentOutputs);
            return current ? { id, props: { ...current } } : {};
        },
        async delete(_id: string, props: Record<string, unknown>) {
            const ctx = await providerContext(key);
            await removeRoleAssignment(ctx, toInputs(props));
        },
    };
}

const sharedProvider = securityRoleAssignmentProvider();

export interface SecurityRoleAssignmentArgs {
    readonly environmentId: pulumi.Input<string>;
    readonly systemUserId: pulumi.Input<string>;
    /** Defaults to System Administrator. */
    readonly roleTemplateId?: pulumi.Input<string>;
}

export class SecurityRoleAssignment extends pulumi.dynamic.Resource {
    public declare readonly environmentId: pulumi.Output<string>;
    public declare readonly systemUserId: pulumi.Output<string>;
    public declare readonly roleTemplateId: pulumi.Output<string>;
    public declare readonly roleId: pulumi.Output<string>;
    public declare readonly roleName: pulumi.Output<string>;
    public declare readonly businessUnitId: pulumi.Output<string>;
    public declare readonly instanceUrl: pulumi.Output<string>;

    constructor(name: string, args: SecurityRoleAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            sharedProvider,
            name,
            {
                environmentId: args.environmentId,
                systemUserId: args.systemUserId,
                roleTemplateId: args.roleTemplateId ?? SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID,
                roleId: undefined,
                roleName: undefined,
                businessUnitId: undefined,
                instanceUrl: undefined,
            },
            opts,
            SECURITY_ROLE_ASSIGNMENT_MODULE,
            SECURITY_ROLE_ASSIGNMENT_TYPE,
        );
    }
}
