// Graph: directory role assignments and role definitions (roleManagement/directory).
//
// The azuread provider's DirectoryRoleAssignment resource: create = POST
// /v1.0/roleManagement/directory/roleAssignments {principalId, roleDefinitionId,
// directoryScopeId: "/"} expecting 201, then GET …/roleAssignments/{id} until three
// reads in a row succeed (404 = keep waiting); read = GET by id (404 = gone);
// delete = DELETE by id expecting 204 (404 is an error for it).
import { DIRECTORY_ROLE_TEMPLATES } from "../../data/directory";
import { HttpError, isPlainObject, jsonBody, RequestContext } from "../../core/http";
import { route } from "../../core/router";
import { roleAssignmentId } from "../../ids";
import { DirectoryRoleAssignment } from "../../seed/types";
import { ServiceDeps } from "../deps";
import { BLANK_ASSIGNMENT, contextUrl, entityAnswer, scopedRole, graphError, GraphRoute, listAnswer, noContent, notFound, ok } from "./common";

const V = "(v1\\.0|beta)";
const ASSIGNMENT_DEFAULTS = ["id", "directoryScopeId", "principalId", "roleDefinitionId"];
const ASSIGNMENTS = "roleManagement/directory/roleAssignments";
const ASSIGNMENT_TYPE = "microsoft.graph.unifiedRoleAssignment";
const DEFINITIONS = "roleManagement/directory/roleDefinitions";
const DEFINITION_TYPE = "microsoft.graph.unifiedRoleDefinition";
const DEFINITION_DEFAULTS = ["id", "description", "displayName", "isBuiltIn", "isEnabled", "templateId", "version", "rolePermissions"];

function assignmentRepresentation(a: DirectoryRoleAssignment): Record<string, unknown> {
    return {
        ...scopedRole(a),
        condition: null,
    };
}

function definitionRepresentation(t: (typeof DIRECTORY_ROLE_TEMPLATES)[number]): Record<string, unknown> {
    return {
        id: t.id,
        description: t.description,
        displayName: t.displayName,
        isBuiltIn: true,
        isEnabled: true,
        resourceScopes: ["/"],
        templateId: t.id,
        version: "1",
        rolePermissions: [],
    };
}

export function roleManagementRoutes(deps: ServiceDeps): GraphRoute[] {
    const { tenant } = deps;
    const base = `^/${V}/roleManagement/directory`;
    const invalid = (ctx: RequestContext) => (message: string) => graphError(ctx, 400, "BadRequest", message);

    function withExpand(ctx: RequestContext, assignment: Record<string, unknown>): Record<string, unknown> {
        const expand = ctx.query.get("$expand");
        if (!expand) return assignment;
        if (expand.toLowerCase() !== "roledefinition") {
            throw new HttpError(
                graphError(
                    ctx,
                    400,
                    "BadRequest",
                    `Parsing OData Select and Expand failed: Could not find a property named '${expand}' on type 'microsoft.graph.unifiedRoleAssignment'.`,
                ),
            );
        }
        const template = DIRECTORY_ROLE_TEMPLATES.find((t) => t.id === assignment.roleDefinitionId);
        return { ...assignment, roleDefinition: template ? definitionRepresentation(template) : null };
    }

    return [
        route("GET", new RegExp(`${base}/roleAssignments$`, "i"), (ctx, m) => {
            const all = tenant.state.directoryRoleAssignments.map(assignmentRepresentation);
            const sample = assignmentRepresentation(BLANK_ASSIGNMENT);
            return listAnswer(deps, ctx, m[1], ASSIGNMENTS, ASSIGNMENT_TYPE, all, sample, ASSIGNMENT_DEFAULTS, (a) => withExpand(ctx, a));
        }),
        route("GET", new RegExp(`${base}/roleAssignments/([^/]+)$`, "i"), (ctx, m) => {
            const id = decodeURIComponent(m[2]);
            const found = tenant.state.directoryRoleAssignments.find((a) => a.id === id) ?? notFound(ctx, id);
            return entityAnswer(deps, ctx, m[1], ASSIGNMENTS, ASSIGNMENT_TYPE, assignmentRepresentation(found), ASSIGNMENT_DEFAULTS, (a) => withExpand(ctx, a));
        }),
        route("POST", new RegExp(`${base}/roleAssignments$`, "i"), async (ctx, m) => {
            const body = await jsonBody(ctx, invalid(ctx));
            if (!isPlainObject(body)) return graphError(ctx, 400, "BadRequest", "The request body must be a JSON object.");
            const principalId = typeof body.principalId === "string" ? body.principalId.toLowerCase() : "";
            const roleDefinitionId = typeof body.roleDefinitionId === "string" ? body.roleDefinitionId.toLowerCase() : "";
            const directoryScopeId = typeof body.directoryScopeId === "string" ? body.directoryScopeId : body.appScopeId === undefined ? "/" : undefined;
            if (!principalId)
                return graphError(ctx, 400, "Request_BadRequest", "Invalid value specified for property 'principalId' of resource 'UnifiedRoleAssignment'.");
            if (!DIRECTORY_ROLE_TEMPLATES.some((t) => t.id === roleDefinitionId)) {
                return graphError(
                    ctx,
                    400,
                    "Request_BadRequest",
                    "Invalid value specified for property 'roleDefinitionId' of resource 'UnifiedRoleAssignment'.",
                );
            }
            if (directoryScopeId === undefined)
                return graphError(ctx, 400, "Request_BadRequest", "App-scoped role assignments are not emulated; use directoryScopeId '/'.");
            if (!tenant.principal(principalId)) notFound(ctx, principalId);
            const existing = tenant.state.directoryRoleAssignments.find(
                (a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId && a.directoryScopeId === directoryScopeId,
            );
            if (existing) {
                return graphError(
                    ctx,
                    400,
                    "Request_BadRequest",
                    "A conflicting object with one or more of the specified property values is present in the directory.",
                );
            }
            const created: DirectoryRoleAssignment = {
                id: roleAssignmentId(roleDefinitionId, principalId),
                principalId,
                roleDefinitionId,
                directoryScopeId,
                startDateTime: null,
                endDateTime: null,
            };
            tenant.state.directoryRoleAssignments.push(created);
            return ok(
                ctx,
                201,
                { "@odata.context": contextUrl(deps, m[1], "roleManagement/directory/roleAssignments/$entity"), ...assignmentRepresentation(created) },
                {
                    Location: `${deps.endpoints.graph}/${m[1]}/roleManagement/directory/roleAssignments/${created.id}`,
                },
            );
        }),
        route("DELETE", new RegExp(`${base}/roleAssignments/([^/]+)$`, "i"), (ctx, m) => {
            const id = decodeURIComponent(m[2]);
            const index = tenant.state.directoryRoleAssignments.findIndex((a) => a.id === id);
            if (index < 0) notFound(ctx, id);
            tenant.state.directoryRoleAssignments.splice(index, 1);
            return noContent(ctx);
        }),
        route("GET", new RegExp(`${base}/roleDefinitions$`, "i"), (ctx, m) => {
            const all = DIRECTORY_ROLE_TEMPLATES.map(definitionRepresentation);
            return listAnswer(deps, ctx, m[1], DEFINITIONS, DEFINITION_TYPE, all, all[0], DEFINITION_DEFAULTS);
        }),
        route("GET", new RegExp(`${base}/roleDefinitions/([^/]+)$`, "i"), (ctx, m) => {
            const template = DIRECTORY_ROLE_TEMPLATES.find((t) => t.id === m[2].toLowerCase()) ?? notFound(ctx, m[2]);
            return entityAnswer(deps, ctx, m[1], DEFINITIONS, DEFINITION_TYPE, definitionRepresentation(template), DEFINITION_DEFAULTS);
        }),
    ];
}
