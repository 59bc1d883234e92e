// The component that turns a stage plan into resources, all children of one component
// so `pulumi stack` shows them as one unit per tenant:
//   - the account's Entra directory role assignments for the stage (Global Administrator
//     through Entra PIM, ending by itself, when elevationHours is set);
//   - per environment to back up: membership of the environment's security group (when
//     it has one), then one resource for the account's access there: the Dataverse user
//     with access mode Read-Write and the System Administrator role (a
//     SecurityRoleAssignment with an access mode). One resource, not a user and a role:
//     on a self-managed backend the engine saves the whole state twice per resource, so
//     at 1,000 environments two resources each cost four times the saving work
//     (docs/large-tenants.md). A stack written with the two keeps its EnvironmentUser
//     resources until its next update drops them (their delete calls nothing in the
//     tenant) and the role takes the user over; an environment held (below) keeps
//     whatever its state has.
//
// What destroy gives back follows the origin of each grant (origin-ledger.ts): the
// adopted directory roles and group memberships are registered with retainOnDelete, so
// `pulumi destroy` and removing an environment leave them as found (Global
// Administrator excepted), and the component records which ones were adopted, and,
// before any child is created, what this run is about to grant.
//
// Resource names derive from fixed keys (role key, environment id, group id), never
// from the stage, so a resource keeps its URN in every stage and moving between stages
// creates and deletes only what changes.

import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";

import { ElevationStatus, EnvironmentUser, SecurityRoleAssignment, TimeBoundRoleAssignment } from "../providers";
import { DirectoryRole } from "./directory-roles";
import { EnvironmentTarget, HeldEnvironment } from "./environment-plan";
import {
    COMPONENT_TYPE,
    directoryRoleResourceName,
    environmentUserResourceName,
    groupMemberResourceName,
    isRetainedWhenAdopted,
    Origins,
    securityRoleResourceName,
} from "./origin-ledger";
import { ExistingAccess } from "./preflight";
import { StagePlan } from "./stages";

export { COMPONENT_TYPE, directoryRoleResourceName };

/** Directory roles apply tenant-wide: scope "/" is the whole directory. */
const TENANT_WIDE_SCOPE = "/";

export interface ServiceAccountAccessArgs {
    /** The account's Entra object id, already resolved. */
    readonly serviceAccountObjectId: string;
    readonly plan: StagePlan;
    readonly environments: readonly EnvironmentTarget[];
    /**
     * Environments the stack serves but cannot serve now (environment-plan.ts): the
     * resources the state holds for them are registered unchanged, so the engine neither
     * gives them back nor calls the environment.
     */
    readonly heldEnvironments?: readonly HeldEnvironment[];
    /** Access the account already holds: adopted (Pulumi's import option) instead of created. */
    readonly existing: ExistingAccess;
    /** Granted by this stack or adopted, per directory role and group membership (origin-ledger.ts). */
    readonly origins: Origins;
    /** Credential keys the stack holds in plain text: recorded for the policy pack (lib/plain-credentials.ts). */
    readonly plainTextCredentialKeys: readonly string[];
    /** For the plan's time-bound roles: how long, and the reason PIM records. */
    readonly elevation?: { readonly hours: number; readonly justification: string };
}

/** A role held through Entra PIM: when it ends, and whether it is still active. */
export interface ElevationOutput {
    readonly role: string;
    readonly endDateTime: pulumi.Output<string>;
    readonly status: pulumi.Output<ElevationStatus>;
}

/** What the account holds in one environment after the update. */
export interface EnvironmentAccessOutput {
    readonly id: string;
    readonly name: string;
    readonly dataverseUrl: string;
    readonly systemUserId: pulumi.Output<string>;
    readonly accessMode: pulumi.Output<string>;
    readonly role: pulumi.Output<string>;
    readonly securityGroupId: string | null;
}

export function timeBoundRoleResourceName(role: DirectoryRole): string {
    return `time-bound-${role.key}`;
}

export class ServiceAccountAccess extends pulumi.ComponentResource {
    public readonly directoryRoleAssignments: Readonly<Record<string, azuread.DirectoryRoleAssignment>>;
    public readonly environments: readonly EnvironmentAccessOutput[];
    public readonly elevations: readonly ElevationOutput[];

    constructor(name: string, args: ServiceAccountAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        // The policy pack checks plainTextCredentialKeys before any child changes. The
        // next run reads the outputs only (readStackResourceOutputs returns no inputs),
        // and the engine's checkpoint holds no outputs of this run for a component until
        // registerOutputs (a new or changed component has none; an unchanged one keeps
        // the last run's). So the outputs are registered now, plain values only, before
        // any child: the children's registrations wait for the component's URN and then
        // their own inputs, while these go out as soon as the URN is known. A run cut
        // short leaves the granting record in the checkpoint. `granting` is not an input:
        // it changes with every stage move, and as an input it would show the component
        // as updated in each preview. `adopted` stays an input as before.
        const adopted = { directoryRoles: [...args.origins.ledger.directoryRoles], groupMemberships: [...args.origins.ledger.groupMemberships] };
        const granting = {
            directoryRoles: [...args.origins.granting.directoryRoles],
            groupMemberships: [...args.origins.granting.groupMemberships],
            environments: [...args.origins.granting.environments],
        };
        super(COMPONENT_TYPE, name, { plainTextCredentialKeys: [...args.plainTextCredentialKeys], adopted }, opts);
        this.registerOutputs({ adopted, granting, directoryRoles: args.plan.directoryRoles.map((role) => role.displayName) });
        const retained = (adoptedHere: boolean) => (adoptedHere ? { retainOnDelete: true } : {});

        // An assignment or membership that exists already is imported: Graph refuses to
        // create it twice. For one this stack created, the import id equals the id in
        // state, and Pulumi treats it as the resource it already manages.
        const assignments: Record<string, azuread.DirectoryRoleAssignment> = {};
        for (const role of args.plan.directoryRoles.filter((r) => !args.plan.timeBoundRoles.includes(r))) {
            const existingId = args.existing.roleAssignmentIds[role.templateId];
            assignments[role.key] = new azuread.DirectoryRoleAssignment(
                directoryRoleResourceName(role),
                { roleId: role.templateId, principalObjectId: args.serviceAccountObjectId, directoryScopeId: TENANT_WIDE_SCOPE },
                {
                    parent: this,
                    import: existingId ? `/roleManagement/directory/roleAssignments/${existingId}` : undefined,
                    ...retained(args.origins.directoryRoles[role.templateId.toLowerCase()] === "adopted" && isRetainedWhenAdopted(role)),
                },
            );
        }
        this.directoryRoleAssignments = assignments;

        // Time-bound roles end by themselves; an ended one is not granted again by itself
        // (see providers/resources/time-bound-role-assignment.ts). The account already holding the
        // role is adopted by the provider, so no import is needed.
        this.elevations = args.plan.timeBoundRoles.map((role) => {
            if (!args.elevation) throw new Error(`The plan makes ${role.displayName} time-bound, but no elevation settings were given.`);
            const elevation = new TimeBoundRoleAssignment(
                timeBoundRoleResourceName(role),
                {
                    roleId: role.templateId,
                    principalObjectId: args.serviceAccountObjectId,
                    elevationHours: args.elevation.hours,
                    justification: args.elevation.justification,
                },
                { parent: this },
            );
            return { role: role.displayName, endDateTime: elevation.endDateTime, status: elevation.status };
        });

        // One membership per group, even when several environments share the group.
        const groupMemberships = new Map<string, azuread.GroupMember>();
        const held = args.heldEnvironments ?? [];
        for (const groupId of new Set([...args.environments, ...held].map((e) => e.securityGroupId).filter((id): id is string => !!id))) {
            groupMemberships.set(
                groupId,
                new azuread.GroupMember(
                    groupMemberResourceName(groupId),
                    { groupObjectId: groupId, memberObjectId: args.serviceAccountObjectId },
                    {
                        parent: this,
                        import: args.existing.groupMemberships.includes(groupId) ? `${groupId}/member/${args.serviceAccountObjectId}` : undefined,
                        ...retained(args.origins.groupMemberships[groupId.toLowerCase()] === "adopted"),
                    },
                ),
            );
        }

        // `register` says which resources to declare: a served environment gets the one that
        // keeps user and role; a held one what its state holds, with the inputs it was written with.
        const environmentResources = (
            environment: { id: string; securityGroupId: string | undefined },
            register: { user: boolean; role: boolean; roleKeepsUser: boolean },
        ) => {
            // Power Platform refuses to add a user outside the environment's security group.
            const membership = environment.securityGroupId ? groupMemberships.get(environment.securityGroupId) : undefined;
            const user = register.user
                ? new EnvironmentUser(
                      environmentUserResourceName(environment.id),
                      { environmentId: environment.id, userObjectId: args.serviceAccountObjectId, accessMode: "read-write" },
                      { parent: this, dependsOn: membership ? [membership] : [] },
                  )
                : undefined;
            const role = register.role
                ? new SecurityRoleAssignment(
                      securityRoleResourceName(environment.id),
                      // Named by the account's object id (known at preview), ordered after the user or the membership.
                      {
                          environmentId: environment.id,
                          userObjectId: args.serviceAccountObjectId,
                          ...(register.roleKeepsUser ? { accessMode: "read-write" as const } : {}),
                          // Read by create only: an interrupted update was giving this role (origin-ledger.ts).
                          ...(args.origins.grantedByEarlierAttempt.includes(environment.id.toLowerCase()) ? { grantedByEarlierAttempt: true } : {}),
                      },
                      { parent: this, dependsOn: user ? [user] : membership ? [membership] : [] },
                  )
                : undefined;
            return { user, role };
        };

        for (const environment of held) environmentResources(environment, environment);

        this.environments = args.environments.map((environment) => {
            const { role } = environmentResources(environment, { user: false, role: true, roleKeepsUser: true });
            return {
                id: environment.id,
                name: environment.displayName,
                dataverseUrl: environment.instanceUrl,
                systemUserId: role!.systemUserId,
                accessMode: role!.accessMode as pulumi.Output<string>,
                role: role!.roleName,
                securityGroupId: environment.securityGroupId ?? null,
            };
        });
    }
}
