// The operator's own access to an environment's Dataverse.
//
// Being a Power Platform administrator lets the operator call BAP, but Dataverse
// answers a service principal with 403 until it is an application user of that
// environment. What happens on such a 403 depends on the client context:
// - read-only (a provider's read, any preview, D365BA_READ_ONLY): an error at once that
//   names the environment and how to give the operator access; nothing is sent;
// - otherwise, with d365-backup-access:addOperatorAppUser (the default) and a service
//   principal: BAP addAppUser, then a wait for Dataverse to accept the operator, bounded
//   by operatorAccessTimeoutSeconds. Both happen once per environment and client
//   context: the user and role resources of one environment share the outcome, a
//   failure included, so an environment that keeps refusing costs one wait per run;
// - a delete (destroy, an environment removed from the list): an error at once with the
//   manual fix; giving access back never makes the operator an application user;
// - a signed-in user, or an application when the setting is off: an error that says
//   what to do instead.

import { ClientContext } from "../transport/context";
import { formatSeconds } from "../transport/durations";
import { accessError, AccessError, isAccessError, ownWords } from "../transport/errors";
import { waitFor } from "../transport/polling";
import { tokenClaims } from "../transport/tokens";
import { addApplicationUser, DataverseTarget } from "./bap";

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
    return credential.method === "azureCli" ? { kind: "user", applicationId: undefined } : { kind: "application", applicationId: configuredApp };
}

/** The object id of the identity the clients sign in as (the Graph token's oid claim). */
export async function operatorObjectId(ctx: ClientContext): Promise<string | undefined> {
    const oid = tokenClaims(await ctx.tokens.get(ctx.endpoints.graphAudience))?.oid;
    return typeof oid === "string" ? oid.toLowerCase() : undefined;
}

/**
 * A 403 that may be the operator's: not one Dataverse gives for the environment itself
 * (disabled, Dataverse for Teams), which refuses everyone and which no application user
 * and no wait cures.
 */
function isForbidden(error: unknown): error is AccessError {
    return isAccessError(error) && error.status === 403 && error.kind !== "environment-unavailable";
}

/** Runs a Dataverse call; a 403 for the operator is handled as described above. */
export async function withOperatorAccess<T>(ctx: ClientContext, target: DataverseTarget, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        if (!isForbidden(error)) throw error;
        await gainOperatorAccess(ctx, target, error);
    }
    try {
        return await call();
    } catch (error) {
        if (!isForbidden(error)) throw error;
        throw accessError("operator-access", {
            what: `Dataverse accepts the operator now (WhoAmI) but still refuses this call (${ownWords(error)})`,
            environmentId: target.environmentId,
            call: error.call,
            status: error.status,
            code: error.code,
            fix: "check in the admin center (the environment → Settings → Application users) that the operator's application user holds System Administrator.",
        });
    }
}

/** How to make the operator's application an application user of the environment by hand. */
function manualAppUserFix(ctx: ClientContext, environmentId: string, appId: string | undefined): string {
    return (
        `make application ${appId ?? "(the operator's client id)"} an application user of the environment with System Administrator: ` +
        `POST ${ctx.endpoints.bap}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${environmentId}/addAppUser?api-version=2020-10-01 ` +
        `with body {"servicePrincipalAppId": "${appId ?? "<client id>"}"} (or admin center → the environment → Settings → Application users)`
    );
}

const USER_OPERATOR_FIX =
    "give the operator the System Administrator role in this environment (Power Platform admin center → " +
    "Environments → the environment → Settings → Users), or run as a service principal registered as a Power " +
    "Platform management application, which is then made an application user automatically.";

/** Makes Dataverse accept the operator, or throws the error that says why it cannot. */
async function gainOperatorAccess(ctx: ClientContext, target: DataverseTarget, refusal: AccessError): Promise<void> {
    const environmentId = target.environmentId;
    const operator = await identifyOperator(ctx, new URL(target.instanceUrl).origin);
    const refused = ownWords(refusal);
    const answer = { call: refusal.call, status: refusal.status, code: refusal.code };
    const appId = operator.applicationId;
    if (ctx.settings.http.readOnly) {
        // A refresh, a preview or a read-only run: reads never write, and never wait.
        throw accessError("operator-access", {
            what:
                `Dataverse refuses the operator${operator.kind === "user" ? " (a user)" : `'s application${appId ? ` ${appId}` : ""}`}, ` +
                `so this read-only run cannot read the environment (${refused})`,
            environmentId,
            ...answer,
            fix:
                operator.kind === "user"
                    ? USER_OPERATOR_FIX
                    : `${manualAppUserFix(ctx, environmentId, appId)}. A refresh or preview only reads, so it never does this itself; ` +
                      "`pulumi up` does it (d365-backup-access:addOperatorAppUser) when it creates or updates a resource of this environment. " +
                      "Then run the refresh or preview again.",
        });
    }
    if (operator.kind === "user") {
        throw accessError("operator-access", {
            what: `Dataverse refuses the signed-in operator (a user) (${refused})`,
            environmentId,
            ...answer,
            fix: USER_OPERATOR_FIX,
        });
    }
    if (ctx.settings.removalOnly && operator.kind === "application") {
        throw accessError("operator-access", {
            what: `Dataverse refuses the operator's application${appId ? ` ${appId}` : ""}, so the access this stack gave in this environment cannot be given back (${refused})`,
            environmentId,
            ...answer,
            fix:
                `${manualAppUserFix(ctx, environmentId, appId)}, then run the command again. Removing access never does this itself: ` +
                "it would leave the operator System Administrator of the environment the stack is giving back.",
        });
    }
    if (!appId || !ctx.settings.addOperatorAppUser) {
        throw accessError("operator-access", {
            what: `Dataverse refuses the operator's application${appId ? ` ${appId}` : ""} (${refused})`,
            environmentId,
            ...answer,
            fix: `${manualAppUserFix(ctx, environmentId, appId)}${appId ? ", or set d365-backup-access:addOperatorAppUser to true to have it done for you" : ""}.`,
        });
    }
    // Kept, failure included: the other resources of this environment share the outcome.
    const key = `operator-access:${environmentId}`;
    let access = ctx.once.get(key) as Promise<void> | undefined;
    if (!access) {
        access = addAppUserAndWait(ctx, target, appId);
        ctx.once.set(key, access);
    }
    await access;
}

async function addAppUserAndWait(ctx: ClientContext, target: DataverseTarget, appId: string): Promise<void> {
    const environmentId = target.environmentId;
    ctx.log(`Environment ${environmentId}: Dataverse refuses the operator's application ${appId}; making it an application user (BAP addAppUser).`);
    await addApplicationUser(ctx, environmentId, appId);
    const waits = ctx.settings.waits;
    await waitFor(
        {
            what: `Dataverse to accept the operator's application ${appId}`,
            environmentId,
            timeoutMs: waits.operatorAccessTimeoutMs,
            initialIntervalMs: waits.pollIntervalMs,
            maxIntervalMs: waits.pollMaxIntervalMs,
            // The application user has just been requested: it cannot be usable yet.
            firstProbeAfterInterval: true,
            log: ctx.log,
            onTimeout: (reason, waitedMs) =>
                accessError("operator-access", {
                    what: `The operator's application ${appId} was made an application user, but Dataverse still refuses it after ${formatSeconds(waitedMs)} (${reason})`,
                    environmentId,
                    fix:
                        "check in the admin center (the environment → Settings → Application users) that the application user " +
                        "exists, is enabled and holds System Administrator, then run `pulumi up` again; raise " +
                        "d365-backup-access:operatorAccessTimeoutSeconds if Power Platform is only slow to create it.",
                }),
        },
        async () => {
            try {
                await whoAmI(ctx, target);
                return { done: true as const, value: undefined };
            } catch (error) {
                if (isForbidden(error)) return { done: false as const, reason: error.message };
                throw error;
            }
        },
    );
}

/** Dataverse's WhoAmI: the cheapest read that tells whether the environment accepts the operator. */
async function whoAmI(ctx: ClientContext, target: DataverseTarget): Promise<void> {
    await ctx.http.send({
        service: "dataverse",
        method: "GET",
        url: `${target.instanceUrl}api/data/v9.2/WhoAmI`,
        audience: new URL(target.instanceUrl).origin,
        environmentId: target.environmentId,
        headers: { "OData-MaxVersion": "4.0", "OData-Version": "4.0" },
        call: "check that Dataverse accepts the operator (WhoAmI)",
    });
}
