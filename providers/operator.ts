// The operator's own access to an environment's Dataverse.
//
// Being a Power Platform administrator lets the operator call BAP, but Dataverse
// answers a service principal with 403 until it is an application user of that
// environment. With d365-backup-access:addOperatorAppUser (the default) the operator's
// application is made one through BAP addAppUser, once per environment and run, and the
// refused call is repeated until Dataverse accepts it (bounded by userSyncTimeoutSeconds).
// A signed-in user, or an application when the setting is off, gets an error that says
// what to do instead.

import { addApplicationUser, DataverseTarget } from "./bap";
import { ClientContext } from "./context";
import { accessError, AccessError, isAccessError } from "./errors";
import { formatSeconds } from "./http";
import { waitFor } from "./polling";
import { tokenClaims } from "./tokens";

export interface OperatorIdentity {
    readonly kind: "application" | "user";
    /** The application (client) id when the operator is a service principal. */
    readonly applicationId: string | undefined;
}

/**
 * Who the operator is: from the token's claims when it is a JWT (idtyp "app", or an
 * appid without a user's upn/scp), otherwise from the configured sign-in method.
 */
export async function identifyOperator(ctx: ClientContext, audience: string): Promise<OperatorIdentity> {
    const credential = ctx.settings.credential;
    const configuredApp = credential.method !== "azureCli" ? ("clientId" in credential ? credential.clientId : undefined) : undefined;
    const claims = tokenClaims(await ctx.tokens.get(audience));
    if (claims) {
        const appId = typeof claims.appid === "string" ? claims.appid : typeof claims.azp === "string" ? claims.azp : undefined;
        const isApp = claims.idtyp === "app" || (appId !== undefined && claims.upn === undefined && claims.scp === undefined);
        if (isApp) return { kind: "application", applicationId: appId ?? configuredApp };
        if (claims.upn !== undefined || claims.scp !== undefined) return { kind: "user", applicationId: undefined };
    }
    return credential.method === "azureCli"
        ? { kind: "user", applicationId: undefined }
        : { kind: "application", applicationId: configuredApp };
}

/** The object id of the identity the clients sign in as (the Graph token's oid claim). */
export async function operatorObjectId(ctx: ClientContext): Promise<string | undefined> {
    const oid = tokenClaims(await ctx.tokens.get(ctx.endpoints.graphAudience))?.oid;
    return typeof oid === "string" ? oid.toLowerCase() : undefined;
}

function isForbidden(error: unknown): error is AccessError {
    return isAccessError(error) && error.status === 403;
}

/** Runs a Dataverse call; a 403 for the operator is handled as described above. */
export async function withOperatorAccess<T>(ctx: ClientContext, target: DataverseTarget, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        if (!isForbidden(error)) throw error;
        return recoverOperatorAccess(ctx, target, call, error);
    }
}

async function recoverOperatorAccess<T>(ctx: ClientContext, target: DataverseTarget, call: () => Promise<T>, refusal: AccessError): Promise<T> {
    const environmentId = target.environmentId;
    const operator = await identifyOperator(ctx, new URL(target.instanceUrl).origin);
    const refused = refusal.message;
    if (operator.kind === "user") {
        throw accessError("operator-access", {
            what: `Dataverse refuses the signed-in operator (a user): ${refused}`,
            environmentId,
            fix:
                "give the operator the System Administrator role in this environment (Power Platform admin center → " +
                "Environments → the environment → Settings → Users), or run as a service principal registered as a Power " +
                "Platform management application, which is then made an application user automatically.",
        });
    }
    const appId = operator.applicationId;
    const manualFix =
        `make application ${appId ?? "(the operator's client id)"} an application user of the environment with System Administrator: ` +
        `POST ${ctx.endpoints.bap}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${environmentId}/addAppUser?api-version=2020-10-01 ` +
        `with body {"servicePrincipalAppId": "${appId ?? "<client id>"}"} (or admin center → the environment → Settings → Application users)`;
    if (!appId || !ctx.settings.addOperatorAppUser) {
        throw accessError("operator-access", {
            what: `Dataverse refuses the operator's application${appId ? ` ${appId}` : ""}: ${refused}`,
            environmentId,
            fix: `${manualFix}${appId ? ", or set d365-backup-access:addOperatorAppUser to true to have it done for you" : ""}.`,
        });
    }

    const key = `operator-app-user:${environmentId}`;
    let added = ctx.once.get(key);
    if (!added) {
        ctx.log(`Environment ${environmentId}: Dataverse refuses the operator's application ${appId}; making it an application user (BAP addAppUser).`);
        added = addApplicationUser(ctx, environmentId, appId);
        ctx.once.set(key, added);
        added.catch(() => ctx.once.delete(key));
    }
    await added;

    const waits = ctx.settings.waits;
    return waitFor(
        {
            what: `Dataverse to accept the operator's application ${appId}`,
            environmentId,
            timeoutMs: waits.userSyncTimeoutMs,
            initialIntervalMs: waits.pollIntervalMs,
            maxIntervalMs: waits.pollMaxIntervalMs,
            log: ctx.log,
            onTimeout: (reason, waitedMs) =>
                accessError("operator-access", {
                    what: `The operator's application ${appId} was made an application user, but Dataverse still refuses it after ${formatSeconds(waitedMs)} (${reason})`,
                    environmentId,
                    fix:
                        "check in the admin center (the environment → Settings → Application users) that the application user " +
                        "exists, is enabled and holds System Administrator; raise d365-backup-access:userSyncTimeoutSeconds if it is still being created.",
                }),
        },
        async () => {
            try {
                return { done: true as const, value: await call() };
            } catch (error) {
                if (isForbidden(error)) return { done: false as const, reason: error.message };
                throw error;
            }
        },
    );
}
