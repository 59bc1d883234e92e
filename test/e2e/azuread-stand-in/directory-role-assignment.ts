// azuread.DirectoryRoleAssignment, as the real provider (6.x, Terraform azuread 3.x) does it:
// - every input forces replacement;
// - create POSTs /v1.0/roleManagement/directory/roleAssignments (directory scope "/"
//   unless a scope is given), then reads the assignment until three reads in a row
//   succeed (404 = not yet replicated);
// - the id is "/roleManagement/directory/roleAssignments/{assignmentId}", the form
//   `pulumi import` takes;
// - read: 404 = gone (refresh drops it); delete: anything but 204 is an error, 404 included.

import { unexpected } from "./graph";
import { optionalString, Props, replaceOnAnyChange, requiredString, uuidFailure, UNKNOWN } from "./properties";
import { waitUntil } from "./polling";
import { OperationContext, ReadResult, ResourceInitError, ResourceType } from "./types";

const ID_PREFIX = "/roleManagement/directory/roleAssignments/";
const COLLECTION = "/v1.0/roleManagement/directory/roleAssignments";
const INPUTS = ["roleId", "principalObjectId", "directoryScopeId", "appScopeId"] as const;
/** The real provider waits for this many successful reads in a row after creating. */
const CONSISTENT_READS = 3;

function assignmentId(id: string): string {
    if (!id.startsWith(ID_PREFIX) || id.length === ID_PREFIX.length || id.slice(ID_PREFIX.length).includes("/")) {
        throw new Error(`parsing ID ${JSON.stringify(id)}: expected "${ID_PREFIX}{unifiedRoleAssignmentId}"`);
    }
    return id.slice(ID_PREFIX.length);
}

interface Assignment {
    id?: string;
    principalId?: string | null;
    roleDefinitionId?: string | null;
    directoryScopeId?: string | null;
    appScopeId?: string | null;
}

function outputsOf(id: string, assignment: Assignment): Props {
    return {
        id,
        appScopeId: assignment.appScopeId ?? "",
        directoryScopeId: assignment.directoryScopeId ?? "",
        principalObjectId: assignment.principalId ?? "",
        roleId: assignment.roleDefinitionId ?? "",
    };
}

async function get(context: OperationContext, id: string) {
    return context.graph.request("GET", `${COLLECTION}/${encodeURIComponent(assignmentId(id))}`, undefined, context.deadline);
}

export const directoryRoleAssignment: ResourceType = {
    token: "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",

    check(news) {
        const failures = [uuidFailure(news, "roleId", true), uuidFailure(news, "principalObjectId", true)].filter((f) => f !== undefined);
        for (const key of ["appScopeId", "directoryScopeId"]) {
            if (news[key] !== undefined && news[key] !== null && typeof news[key] !== "string") {
                failures.push({ property: key, reason: `expected "${key}" to be a string` });
            } else if (news[key] === "") {
                failures.push({ property: key, reason: `expected "${key}" not to be an empty string` });
            }
        }
        if (optionalString(news, "appScopeId") !== undefined && optionalString(news, "directoryScopeId") !== undefined) {
            failures.push({ property: "appScopeId", reason: `Conflicting configuration arguments: "appScopeId": conflicts with directoryScopeId` });
        }
        return failures;
    },

    diff(olds, news) {
        return replaceOnAnyChange(olds, news, INPUTS);
    },

    plan(inputs) {
        const appScopeId = optionalString(inputs, "appScopeId");
        const directoryScopeId = optionalString(inputs, "directoryScopeId");
        return {
            id: UNKNOWN,
            roleId: inputs.roleId,
            principalObjectId: inputs.principalObjectId,
            appScopeId: appScopeId ?? UNKNOWN,
            directoryScopeId: directoryScopeId ?? UNKNOWN,
        };
    },

    async create(inputs, context) {
        const roleId = requiredString(inputs, "roleId");
        const principalId = requiredString(inputs, "principalObjectId");
        const appScopeId = optionalString(inputs, "appScopeId");
        const directoryScopeId = optionalString(inputs, "directoryScopeId");
        const body: Record<string, string> = { principalId, roleDefinitionId: roleId };
        if (appScopeId !== undefined) body.appScopeId = appScopeId;
        else body.directoryScopeId = directoryScopeId ?? "/";

        const response = await context.graph.request("POST", COLLECTION, body, context.deadline);
        if (response.status !== 201) {
            throw new Error(
                `Assigning directory role ${JSON.stringify(roleId)} to directory principal ${JSON.stringify(principalId)}: ${unexpected(response).message}`,
            );
        }
        const created = response.body as Assignment | undefined;
        if (!created?.id) throw new Error("API Error: returned role assignment ID was nil");
        const id = `${ID_PREFIX}${created.id}`;

        try {
            await waitUntil(
                async () => {
                    const answer = await get(context, id);
                    if (answer.status === 200) return true;
                    if (answer.status === 404) return false;
                    throw new Error(`retrieving role assignment: ${unexpected(answer).message}`);
                },
                CONSISTENT_READS,
                context.deadline,
                "the role assignment to reflect",
            );
        } catch (error) {
            throw new ResourceInitError(
                `Waiting for role assignment for ${JSON.stringify(principalId)} to reflect in directory role ${JSON.stringify(roleId)}: ${(error as Error).message}`,
                id,
                outputsOf(id, created),
            );
        }
        const read = await this.read(id, context);
        if (!read) throw new ResourceInitError(`${id} disappeared right after it was created`, id, outputsOf(id, created));
        return { id, outputs: read.outputs };
    },

    async read(id, context): Promise<ReadResult | undefined> {
        const response = await get(context, id);
        if (response.status === 404) return undefined;
        if (response.status !== 200) throw new Error(`Retrieving ${id}: ${unexpected(response).message}`);
        const outputs = outputsOf(id, response.body as Assignment);
        // The inputs a program would have given: the optional scopes only when set.
        const inputs = Object.fromEntries(Object.entries(outputs).filter(([key, value]) => key !== "id" && value !== ""));
        return { id, outputs, inputs };
    },

    async delete(id, context) {
        const response = await context.graph.request("DELETE", `${COLLECTION}/${encodeURIComponent(assignmentId(id))}`, undefined, context.deadline);
        if (response.status !== 204) throw new Error(`Deleting ${id}: ${unexpected(response).message}`);
    },
};
