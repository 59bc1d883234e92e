// azuread.GroupMember, as the real provider (6.x, Terraform azuread 3.x) does it, on
// Graph's beta endpoint:
// - both inputs force replacement; the id is "{groupObjectId}/member/{memberObjectId}";
// - create reads the group (404 = error), lists its members and refuses a member that is
//   already there ("already exists - … needs to be imported"), then POSTs
//   /beta/groups/{id}/members/$ref with {"@odata.id": "{graph}/beta/directoryObjects/{memberId}"};
// - read: GET /beta/groups/{id}/members?$filter=id eq '{memberId}'; a missing group or
//   member means gone;
// - delete: DELETE /beta/groups/{id}/members/{memberId}/$ref (204), then read until the
//   member no longer shows.

import { unexpected } from "./graph";
import { Props, replaceOnAnyChange, requiredString, uuidFailure, UNKNOWN } from "./properties";
import { waitUntil } from "./polling";
import { OperationContext, ReadResult, ResourceType } from "./types";

const INPUTS = ["groupObjectId", "memberObjectId"] as const;

function parseId(id: string): { groupId: string; memberId: string } {
    const parts = id.split("/");
    if (parts.length !== 3 || parts[1] !== "member" || !parts[0] || !parts[2]) {
        throw new Error(`Parsing Group Member ID ${JSON.stringify(id)}: expected "{groupObjectId}/member/{memberObjectId}"`);
    }
    return { groupId: parts[0], memberId: parts[2] };
}

const groupPath = (groupId: string) => `/beta/groups/${encodeURIComponent(groupId)}`;

/** Every page of a Graph collection; undefined when the collection's owner is not found. */
async function listAll(context: OperationContext, firstPath: string, what: string): Promise<Array<{ id?: string }> | undefined> {
    const items: Array<{ id?: string }> = [];
    let path: string | undefined = firstPath;
    while (path) {
        const response = await context.graph.request("GET", path, undefined, context.deadline);
        if (response.status === 404) return undefined;
        if (response.status !== 200) throw new Error(`${what}: ${unexpected(response).message}`);
        const body = response.body as { value?: Array<{ id?: string }>; "@odata.nextLink"?: string };
        items.push(...(body.value ?? []));
        const next = body["@odata.nextLink"];
        path = next ? next.slice(context.graph.baseUrl.length) : undefined;
        if (next && !next.startsWith(context.graph.baseUrl)) throw new Error(`${what}: next page link ${next} points outside ${context.graph.baseUrl}`);
    }
    return items;
}

/** Whether the member shows in the group; false when either is gone. */
async function isMember(context: OperationContext, groupId: string, memberId: string): Promise<boolean> {
    const filter = encodeURIComponent(`id eq '${memberId.replace(/'/g, "''")}'`);
    const members = await listAll(
        context,
        `${groupPath(groupId)}/members?$filter=${filter}`,
        `Retrieving member ${JSON.stringify(memberId)} for group with object ID: ${JSON.stringify(groupId)}`,
    );
    return (members ?? []).some((member) => member.id === memberId);
}

export const groupMember: ResourceType = {
    token: "azuread:index/groupMember:GroupMember",

    check(news) {
        return [uuidFailure(news, "groupObjectId", true), uuidFailure(news, "memberObjectId", true)].filter((f) => f !== undefined);
    },

    diff(olds, news) {
        return replaceOnAnyChange(olds, news, INPUTS);
    },

    plan(inputs) {
        return { id: UNKNOWN, groupObjectId: inputs.groupObjectId, memberObjectId: inputs.memberObjectId };
    },

    async create(inputs, context) {
        const groupId = requiredString(inputs, "groupObjectId");
        const memberId = requiredString(inputs, "memberObjectId");
        const id = `${groupId}/member/${memberId}`;

        const group = await context.graph.request("GET", groupPath(groupId), undefined, context.deadline);
        if (group.status === 404) throw new Error(`groupObjectId: Group ${JSON.stringify(groupId)} was not found`);
        if (group.status !== 200) throw new Error(`Retrieving group ${JSON.stringify(groupId)}: ${unexpected(group).message}`);

        const members = await listAll(context, `${groupPath(groupId)}/members`, `Listing existing members for group ${JSON.stringify(groupId)}`);
        if ((members ?? []).some((member) => (member.id ?? "").toLowerCase() === memberId.toLowerCase())) {
            throw new Error(
                `A resource with the ID ${JSON.stringify(id)} already exists - to be managed via Terraform this resource needs to be ` +
                    `imported into the State. Please see the resource documentation for "azuread_group_member" for more information.`,
            );
        }

        const added = await context.graph.request(
            "POST",
            `${groupPath(groupId)}/members/$ref`,
            { "@odata.id": `${context.graph.baseUrl}/beta/directoryObjects/${memberId}` },
            context.deadline,
        );
        if (added.status !== 204)
            throw new Error(`Adding member ${JSON.stringify(memberId)} to group ${JSON.stringify(groupId)}: ${unexpected(added).message}`);

        return { id, outputs: { id, groupObjectId: groupId, memberObjectId: memberId } };
    },

    async read(id, context): Promise<ReadResult | undefined> {
        const { groupId, memberId } = parseId(id);
        if (!(await isMember(context, groupId, memberId))) return undefined;
        const inputs: Props = { groupObjectId: groupId, memberObjectId: memberId };
        return { id, outputs: { id, ...inputs }, inputs };
    },

    async delete(id, context) {
        const { groupId, memberId } = parseId(id);
        const response = await context.graph.request(
            "DELETE",
            `${groupPath(groupId)}/members/${encodeURIComponent(memberId)}/$ref`,
            undefined,
            context.deadline,
        );
        if (response.status !== 204) throw new Error(`Removing ${id}: ${unexpected(response).message}`);
        await waitUntil(async () => !(await isMember(context, groupId, memberId)), 1, context.deadline, `removal of ${id}`);
    },
};
