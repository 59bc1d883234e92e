// The component that turns a stage plan into resources: the account's Entra directory
// role assignments, all children of one component so `pulumi stack` shows them as one
// unit per tenant.
//
// Resource names derive from each role's fixed key, never from the stage, so the same
// role keeps the same URN in every stage and moving between stages creates and deletes
// only the assignments that change.

import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";

import { ServiceAccountRef } from "./config";
import { DirectoryRole } from "./directory-roles";
import { StagePlan } from "./stages";

export const COMPONENT_TYPE = "d365-backup-access:index:ServiceAccountAccess";

/** Directory roles apply tenant-wide: scope "/" is the whole directory. */
const TENANT_WIDE_SCOPE = "/";

export interface ServiceAccountAccessArgs {
    readonly serviceAccount: ServiceAccountRef;
    readonly plan: StagePlan;
}

export function directoryRoleResourceName(role: DirectoryRole): string {
    return `directory-role-${role.key}`;
}

export class ServiceAccountAccess extends pulumi.ComponentResource {
    /** The account's Entra object id, resolved from the configured UPN or id. */
    public readonly serviceAccountObjectId: pulumi.Output<string>;
    /** Assignment resources by role key. */
    public readonly directoryRoleAssignments: Readonly<Record<string, azuread.DirectoryRoleAssignment>>;

    constructor(name: string, args: ServiceAccountAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPE, name, {}, opts);

        // Resolving the account also proves it exists before any role is touched.
        const account = azuread.getUserOutput(
            args.serviceAccount.kind === "objectId"
                ? { objectId: args.serviceAccount.objectId }
                : { userPrincipalName: args.serviceAccount.userPrincipalName },
            { parent: this },
        );
        this.serviceAccountObjectId = account.objectId;

        const assignments: Record<string, azuread.DirectoryRoleAssignment> = {};
        for (const role of args.plan.directoryRoles) {
            assignments[role.key] = new azuread.DirectoryRoleAssignment(
                directoryRoleResourceName(role),
                {
                    roleId: role.templateId,
                    principalObjectId: this.serviceAccountObjectId,
                    directoryScopeId: TENANT_WIDE_SCOPE,
                },
                { parent: this },
            );
        }
        this.directoryRoleAssignments = assignments;

        this.registerOutputs({
            serviceAccountObjectId: this.serviceAccountObjectId,
            directoryRoles: args.plan.directoryRoles.map((role) => role.displayName),
        });
    }
}
