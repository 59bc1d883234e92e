// Microsoft Graph: one Entra user, by object id or user principal name, with the
// properties that say whether it can be used as the backup account.
//
//   GET {graph}/v1.0/users/{id or upn}?$select=id,userPrincipalName,displayName,accountEnabled
//
// accountEnabled is not in Graph's default property set, hence the $select.

import { ClientContext } from "../transport/context";

export interface DirectoryUser {
    readonly id: string;
    readonly userPrincipalName: string;
    readonly displayName: string;
    readonly accountEnabled: boolean;
}

/** The user, or undefined when no user has this id or user principal name. */
export async function readDirectoryUser(ctx: ClientContext, idOrUserPrincipalName: string): Promise<DirectoryUser | undefined> {
    const response = await ctx.http.send<Record<string, unknown>>({
        service: "graph",
        method: "GET",
        url: `${ctx.endpoints.graph}/v1.0/users/${encodeURIComponent(idOrUserPrincipalName)}?$select=id,userPrincipalName,displayName,accountEnabled`,
        audience: ctx.endpoints.graphAudience,
        call: "read the account",
        expect: [404],
        explain: (answer) =>
            answer.status === 403
                ? { fix: "the operator needs the Microsoft Graph permission User.Read.All (application) or the Directory Readers role." }
                : undefined,
    });
    if (response.status === 404) return undefined;
    const body = response.body ?? {};
    return {
        id: String(body.id ?? "").toLowerCase(),
        userPrincipalName: String(body.userPrincipalName ?? ""),
        displayName: String(body.displayName ?? ""),
        accountEnabled: body.accountEnabled !== false,
    };
}
