// SecurityRoleAssignment: a Dataverse security role held by a user, System
// Administrator by default; with an access mode, also the user itself.
//
// Type pulumi-nodejs:dynamic/dataverse:SecurityRoleAssignment
//
// With `accessMode` the resource is all of the account's access to one environment: the
// Dataverse user with that access mode (what EnvironmentUser does: environment-user.ts)
// and then the role. The program registers one such resource per environment instead
// of a user and a role: every resource costs the engine two saves of the whole state on
// a self-managed backend, so at 1,000 environments one resource instead of two is about
// a quarter of that work (docs/large-tenants.md). Without `accessMode` (the shape stacks
// wrote before, next to an EnvironmentUser) the user must exist already, as before.
//
//   check   validates the ids (role template defaults to System Administrator) and the
//           access mode when given
//   diff    any change of environment, user or role template replaces the assignment;
//           the user is named by its Entra object id, known at preview, so a preview
//           never shows a replacement the update will not make. With an access mode: an
//           update when the stored one differs, is missing (state written with an
//           EnvironmentUser beside it) or a refresh found the user disabled
//   create  the environment must be one that can be served now (clients/environment-kinds.ts),
//           else an error at once, before anything is sent to it;
//           with an access mode, the user first, as EnvironmentUser creates it (adopted,
//           or added through BAP and waited for; its access mode set);
//           the user (found by object id, with its roles, in one call) must exist and
//           be enabled; adopt the role if the user holds it (origin "adopted", or
//           "granted" with grantedByEarlierAttempt: an interrupted update of the stack
//           was giving it, so the copy it holds is the stack's own);
//           otherwise associate the role's copy in the user's business unit (role ids
//           differ per environment and business unit, the template id does not;
//           origin "granted", with that copy's roleId);
//           412 DuplicateRecord = someone else just did it: re-read and adopt
//   read    no id when the role is no longer held (or the user or environment is gone:
//           BAP 404), so `pulumi refresh` shows the drift and the next `up` restores it; a
//           granted one counts only while the user holds the very copy it associated;
//           with an access mode stored, the user's access mode and whether it is enabled
//           too; the stored state as it is where the environment cannot be served now
//   update  the user part as create does it, when diff asked for it; otherwise nothing
//           to call: it only rewrites state written by an earlier version (the stored
//           provider; 0.1.0 named the user by systemuser id only: the update checks,
//           with one read, that it is the account's)
//   delete  the user stays (Dataverse users are not deleted; see environment-user.ts);
//           gives back only what it granted: a granted role loses the one copy it
//           associated (its roleId, in its business unit), never the copies the user
//           holds elsewhere; an adopted one, or one whose state records no origin (an
//           earlier version), is left in place and the log says so; already gone is success;
//           an environment that cannot be served now is an error at once

import * as pulumi from "@pulumi/pulumi";

import { DataverseTarget } from "../clients/bap";
import {
    AccessModeName,
    accessModeName,
    associateRole,
    disabledUserFix,
    disassociateRole,
    findRole,
    findSystemUser,
    findSystemUserWithRoles,
    getSystemUserWithRoles,
    listUserRoles,
    Role,
    SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID,
    SystemUser,
} from "../clients/dataverse";
import { environmentStanding, inEnvironment, inServableEnvironment, keptStateNote, servableEnvironment } from "../clients/environment-access";
import { EnvironmentOperation, unservableError } from "../clients/environment-kinds";
import { HostedResource, hostedProvider, isLegacyProviderText } from "../hosting/hosted-provider";
import { changedProperties, CheckFailure, checkEnvironmentId, checkGuid, definedOnly, keptOutputs } from "../hosting/inputs";
import { ProviderKey } from "../hosting/provider-runtime";
import { ClientContext } from "../transport/context";
import { accessError } from "../transport/errors";
import { checkAccessMode, ensureEnvironmentUser } from "./environment-user";

export const SECURITY_ROLE_ASSIGNMENT_MODULE = "dataverse";
export const SECURITY_ROLE_ASSIGNMENT_TYPE = "SecurityRoleAssignment" as const;

export interface SecurityRoleAssignmentInputs {
    readonly environmentId: string;
    /** The account's Entra object id. */
    readonly userObjectId: string;
    readonly roleTemplateId: string;
    /** With it, the resource makes the account a user of the environment with this access mode first. */
    readonly accessMode?: AccessModeName;
}

/** What the resource records of the user when it keeps the user too (an access mode given). */
export interface UserPart {
    /** The user's access mode as found (the one asked for, once converged). */
    readonly accessMode: AccessModeName;
    /** False when a refresh found the user disabled; the next update adds it again. */
    readonly enabled: boolean;
    readonly environmentName?: string;
}

/** Read by create only, never compared by diff: a role found held counts as granted. */
export interface CreateHint {
    readonly grantedByEarlierAttempt?: boolean;
}

export interface SecurityRoleAssignmentOutputs extends Omit<SecurityRoleAssignmentInputs, "accessMode">, Partial<UserPart> {
    readonly systemUserId: string;
    readonly roleId: string;
    readonly roleName: string;
    readonly businessUnitId: string;
    readonly instanceUrl: string;
    /** "granted": this resource associated roleId; "adopted": the user held the role before. */
    readonly origin: RoleOrigin;
}

export type RoleOrigin = "granted" | "adopted";

const REPLACE_ON = ["environmentId", "userObjectId", "roleTemplateId"] as const;

function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const withDefault = { ...news, roleTemplateId: news.roleTemplateId ?? SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID };
    const environmentId = checkEnvironmentId(withDefault, failures);
    const userObjectId = checkGuid(withDefault, "userObjectId", failures, "the account's Entra object id");
    const roleTemplateId = checkGuid(withDefault, "roleTemplateId", failures, "a security role template id");
    const accessMode = news.accessMode === undefined ? undefined : checkAccessMode(news, failures);
    const hint = news.grantedByEarlierAttempt;
    if (hint !== undefined && typeof hint !== "boolean") {
        failures.push({ property: "grantedByEarlierAttempt", reason: `grantedByEarlierAttempt must be true or false; got ${JSON.stringify(hint)}.` });
    }
    return {
        inputs: definedOnly({
            environmentId: environmentId ?? news.environmentId,
            userObjectId: userObjectId ?? news.userObjectId,
            roleTemplateId: roleTemplateId ?? withDefault.roleTemplateId,
            accessMode,
            grantedByEarlierAttempt: hint === true ? true : undefined,
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

function outputsFor(
    inputs: SecurityRoleAssignmentInputs,
    target: DataverseTarget,
    user: SystemUser,
    role: Role,
    origin: RoleOrigin,
): SecurityRoleAssignmentOutputs {
    return {
        environmentId: inputs.environmentId,
        userObjectId: inputs.userObjectId,
        roleTemplateId: inputs.roleTemplateId,
        systemUserId: user.systemUserId,
        roleId: role.roleId,
        roleName: role.name,
        businessUnitId: user.businessUnitId,
        instanceUrl: target.instanceUrl,
        origin,
    };
}

async function requireEnabledUser(ctx: ClientContext, target: DataverseTarget, userObjectId: string): Promise<{ user: SystemUser; roles: Role[] }> {
    const found = await findSystemUserWithRoles(ctx, target, userObjectId);
    if (!found) {
        throw accessError("not-found", {
            what: `The account ${userObjectId} is not a Dataverse user of this environment`,
            environmentId: target.environmentId,
            fix: "create the EnvironmentUser first (the role assignment depends on it), or run `pulumi refresh` if the user was removed.",
        });
    }
    if (found.user.isDisabled) {
        throw accessError("disabled-user", {
            what: `The account's Dataverse user ${found.user.systemUserId} is disabled, and a disabled user cannot be given a security role`,
            environmentId: target.environmentId,
            fix: disabledUserFix(),
        });
    }
    return found;
}

/** The user part of the outputs, from what EnvironmentUser's ensure found or made. */
function userPartOf(user: { accessMode: AccessModeName; enabled: boolean; environmentName: string }): UserPart {
    return { accessMode: user.accessMode, enabled: user.enabled, environmentName: user.environmentName };
}

/** True when the resource keeps the user (an access mode asked for) and the user needs converging: another or no stored mode, or found disabled. */
function userNeedsConverge(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
    if (news.accessMode === undefined) return false;
    return changedProperties(olds, news, ["accessMode"]).length > 0 || olds.enabled === false;
}

/**
 * The account's access to one environment: with an access mode, the user first (as
 * EnvironmentUser makes it), then the role (ensureRoleAssignment).
 */
export async function ensureEnvironmentAccess(
    ctx: ClientContext,
    inputs: SecurityRoleAssignmentInputs,
    hint: CreateHint = {},
    operation: EnvironmentOperation = "create",
): Promise<SecurityRoleAssignmentOutputs> {
    const { environmentId, userObjectId, accessMode } = inputs;
    const user = accessMode === undefined ? undefined : await ensureEnvironmentUser(ctx, { environmentId, userObjectId, accessMode }, operation);
    const role = await ensureRoleAssignment(ctx, inputs, hint, operation);
    return user ? { ...role, ...userPartOf(user) } : role;
}

/**
 * Gives the user the role unless it already holds it. A role held already is adopted,
 * unless the hint says an interrupted update of this stack was giving it: then the copy
 * it holds (the one in its business unit, which that update associates) is the stack's.
 */
export async function ensureRoleAssignment(
    ctx: ClientContext,
    inputs: SecurityRoleAssignmentInputs,
    hint: CreateHint = {},
    operation: EnvironmentOperation = "create",
): Promise<SecurityRoleAssignmentOutputs> {
    const served = await servableEnvironment(ctx, inputs.environmentId, operation);
    return inServableEnvironment(ctx, served, operation, () => assignRole(ctx, served.environment.id, served.target, inputs, hint));
}

async function assignRole(
    ctx: ClientContext,
    environmentId: string,
    target: DataverseTarget,
    inputs: SecurityRoleAssignmentInputs,
    hint: CreateHint,
): Promise<SecurityRoleAssignmentOutputs> {
    const { user, roles } = await requireEnabledUser(ctx, target, inputs.userObjectId);
    const held = heldCopies(roles, inputs.roleTemplateId);
    if (held.length && hint.grantedByEarlierAttempt) {
        ctx.log(
            `Environment ${environmentId}: the account already holds ${held[0].name || "the role"}, which an interrupted update of this stack was giving; ` +
                "recording it as granted (destroy gives it back).",
        );
        return outputsFor(inputs, target, user, preferredCopy(held, user), "granted");
    }
    if (held.length) {
        ctx.log(`Environment ${environmentId}: the account already holds ${held[0].name || "the role"}; adopting it.`);
        return outputsFor(inputs, target, user, preferredCopy(held, user), "adopted");
    }
    const role = await findRole(ctx, target, inputs.roleTemplateId, user.businessUnitId);
    if (!role) {
        throw accessError("not-found", {
            what: `No security role with template ${inputs.roleTemplateId} exists in the account's business unit ${user.businessUnitId}`,
            environmentId,
            fix: `roleTemplateId must name a system role (System Administrator is ${SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID}); custom roles have no template.`,
        });
    }
    const outcome = await associateRole(ctx, target, user.systemUserId, role.roleId);
    if (outcome === "already-held") {
        // Someone (or a parallel run) associated it between our read and our write.
        const now = heldCopies(await listUserRoles(ctx, target, user.systemUserId), inputs.roleTemplateId);
        if (!now.length) {
            throw accessError("api", {
                what: `Dataverse answered that the account already holds ${role.name} (412), but its roles do not include it`,
                environmentId,
                fix: "run `pulumi up` again; if it persists, assign the role in the admin center and run `pulumi refresh`.",
            });
        }
        return outputsFor(inputs, target, user, preferredCopy(now, user), "adopted");
    }
    return outputsFor(inputs, target, user, role, "granted");
}

/** What state holds of an assignment; version 0.1.0 stored no userObjectId, and versions before origins no origin. */
type StoredAssignment = Omit<SecurityRoleAssignmentOutputs, "userObjectId" | "origin"> & { readonly userObjectId?: string; readonly origin?: RoleOrigin };

/**
 * The assignment as it is now, or undefined when the role is not held, or the user or the
 * environment (BAP 404) is gone. An environment BAP lists but that cannot be served now
 * keeps the stored state as it is: nothing there can be observed, and dropping the
 * resource would have the next update grant the role again.
 */
export async function readRoleAssignment(ctx: ClientContext, props: StoredAssignment): Promise<StoredAssignment | undefined> {
    const standing = await environmentStanding(ctx, props.environmentId);
    if (standing.standing === "deleted") return undefined;
    if (standing.standing === "unservable") {
        ctx.log(keptStateNote(standing.environment, standing.condition, `The assignment of ${props.roleName || "the role"}`));
        return props;
    }
    const { target } = standing;
    const read = await inEnvironment(ctx, standing, () => getSystemUserWithRoles(ctx, target, props.systemUserId));
    if (read.standing === "deleted") return undefined;
    if (read.standing === "unservable") {
        ctx.log(keptStateNote(read.environment, read.condition, `The assignment of ${props.roleName || "the role"}`));
        return props;
    }
    const found = read.value;
    if (!found) return undefined;
    const held = heldCopies(found.roles, props.roleTemplateId);
    // What this resource granted is the copy it associated: another copy is not it.
    const own = props.origin === "granted" ? held.filter((role) => role.roleId === props.roleId) : held;
    if (!own.length) return undefined;
    const { origin, userObjectId } = props;
    const current = outputsFor({ ...props, userObjectId: userObjectId ?? "" }, target, found.user, preferredCopy(own, found.user), origin ?? "adopted");
    const { userObjectId: _user, origin: _origin, ...common } = current;
    // The user's side only where the resource keeps it (state written with an EnvironmentUser beside it has none).
    const userPart: Partial<UserPart> =
        props.accessMode === undefined
            ? {}
            : {
                  accessMode: accessModeName(found.user.accessMode) as AccessModeName,
                  enabled: !found.user.isDisabled,
                  environmentName: standing.environment.displayName,
              };
    return { ...common, ...userPart, ...(userObjectId ? { userObjectId } : {}), ...(origin ? { origin } : {}) };
}

/**
 * Gives back what this resource granted: the one copy it associated. An adopted role,
 * or one whose state records no origin, stays with the user. Anything already gone
 * (the environment included: BAP 404, also when it goes while this runs) counts as done.
 * An environment that cannot be served now is an error at once: what was granted there
 * cannot be given back, and saying so beats dropping it from the stack unseen.
 */
export async function removeRoleAssignment(ctx: ClientContext, props: StoredAssignment): Promise<void> {
    if (props.origin !== "granted") {
        ctx.log(
            `Environment ${props.environmentId}: ${props.roleName || "the role"} is left in place: ` +
                (props.origin === "adopted"
                    ? "the account held it before this stack (adopted)."
                    : "the stack's state does not record that it granted it (written by an earlier version)."),
        );
        return;
    }
    const standing = await environmentStanding(ctx, props.environmentId);
    if (standing.standing === "deleted") return;
    if (standing.standing === "unservable") throw unservableError(standing.environment, standing.condition, "delete");
    const { target } = standing;
    const removed = await inEnvironment(ctx, standing, async () => {
        const found = await getSystemUserWithRoles(ctx, target, props.systemUserId);
        if (!found) return;
        if (!found.roles.some((role) => role.roleId === props.roleId)) return;
        await disassociateRole(ctx, target, found.user.systemUserId, props.roleId);
    });
    if (removed.standing === "unservable") throw unservableError(removed.environment, removed.condition, "delete");
}

function toInputs(values: Record<string, unknown>): SecurityRoleAssignmentInputs {
    return {
        environmentId: String(values.environmentId),
        userObjectId: String(values.userObjectId),
        roleTemplateId: String(values.roleTemplateId ?? SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID),
        ...(values.accessMode === undefined ? {} : { accessMode: values.accessMode as AccessModeName }),
    };
}

/**
 * Brings state written by 0.1.0 (the user named by systemuser id only) up to date: one
 * read confirms the stored user is the account's; if the account changed meanwhile,
 * the new account's user gets the role, and the old one keeps it (that state records
 * no origin, so it is not this stack's to take back).
 */
export async function adoptStoredAssignment(ctx: ClientContext, stored: StoredAssignment, inputs: SecurityRoleAssignmentInputs): Promise<StoredAssignment> {
    const served = await servableEnvironment(ctx, inputs.environmentId, "update");
    const user = await inServableEnvironment(ctx, served, "update", () => findSystemUser(ctx, served.target, inputs.userObjectId));
    if (user?.systemUserId === stored.systemUserId) return { ...stored, userObjectId: inputs.userObjectId };
    const moved = await ensureRoleAssignment(ctx, inputs, {}, "update");
    await removeRoleAssignment(ctx, stored);
    return moved;
}

export function securityRoleAssignmentProvider(key: ProviderKey = {}): pulumi.dynamic.ResourceProvider {
    return hostedProvider(key, {
        check: checkInputs,
        diff(olds, news) {
            // State from 0.1.0 has no userObjectId to compare: the update checks it.
            const written010 = olds.userObjectId === undefined;
            const replaces = changedProperties(olds, news, written010 ? REPLACE_ON.filter((p) => p !== "userObjectId") : REPLACE_ON);
            const changes = replaces.length > 0 || written010 || isLegacyProviderText(olds.__provider) || userNeedsConverge(olds, news);
            return { changes, replaces, deleteBeforeReplace: false };
        },
        async update(context, olds, news) {
            // A change of environment, user or role replaces: an update converges the user
            // part, or only rewrites state written by an earlier version.
            const inputs = toInputs(news);
            let outs: Record<string, unknown> = keptOutputs(olds);
            if (olds.userObjectId === undefined) outs = { ...(await adoptStoredAssignment(await context(), outs as unknown as StoredAssignment, inputs)) };
            if (userNeedsConverge(olds, news)) {
                const { environmentId, userObjectId, accessMode } = inputs;
                const user = await ensureEnvironmentUser(await context(), { environmentId, userObjectId, accessMode: accessMode! }, "update");
                outs = { ...outs, ...userPartOf(user) };
            }
            return { outs };
        },
        async create(context, inputs) {
            const outs = await ensureEnvironmentAccess(await context(), toInputs(inputs), { grantedByEarlierAttempt: inputs.grantedByEarlierAttempt === true });
            return { id: `${outs.environmentId}/${outs.systemUserId}/${outs.roleTemplateId}`, outs };
        },
        async read(context, id, props) {
            const current = await readRoleAssignment(await context(), props as unknown as SecurityRoleAssignmentOutputs);
            return current ? { id, props: { ...current } } : {};
        },
        async delete(context, props) {
            await removeRoleAssignment(await context(), props as unknown as StoredAssignment);
        },
    });
}

export interface SecurityRoleAssignmentArgs {
    readonly environmentId: pulumi.Input<string>;
    /** The account's Entra object id; without accessMode the account must already be a user of the environment. */
    readonly userObjectId: pulumi.Input<string>;
    /** The user's access mode: with it, the resource makes the account a user of the environment first (read-write for backups). */
    readonly accessMode?: pulumi.Input<AccessModeName>;
    /** Defaults to System Administrator. */
    readonly roleTemplateId?: pulumi.Input<string>;
    /**
     * An interrupted update of the stack was giving this role: a role create finds held
     * counts as granted. Read by create only; a change shows no diff.
     */
    readonly grantedByEarlierAttempt?: pulumi.Input<boolean>;
}

/** The resource as a program sees it: the inputs, the user's id and the role's name (every output is in state; see EnvironmentUser). */
export class SecurityRoleAssignment extends HostedResource {
    declare public readonly environmentId: pulumi.Output<string>;
    declare public readonly userObjectId: pulumi.Output<string>;
    declare public readonly roleTemplateId: pulumi.Output<string>;
    declare public readonly accessMode: pulumi.Output<AccessModeName | undefined>;
    declare public readonly systemUserId: pulumi.Output<string>;
    declare public readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: SecurityRoleAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            SECURITY_ROLE_ASSIGNMENT_MODULE,
            SECURITY_ROLE_ASSIGNMENT_TYPE,
            name,
            {
                environmentId: args.environmentId,
                userObjectId: args.userObjectId,
                roleTemplateId: args.roleTemplateId ?? SYSTEM_ADMINISTRATOR_ROLE_TEMPLATE_ID,
                ...(args.accessMode !== undefined ? { accessMode: args.accessMode } : {}),
                ...(args.grantedByEarlierAttempt !== undefined ? { grantedByEarlierAttempt: args.grantedByEarlierAttempt } : {}),
                systemUserId: undefined,
                roleName: undefined,
            },
            opts,
        );
    }
}
