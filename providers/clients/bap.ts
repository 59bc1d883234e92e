// Power Platform admin API (BAP): environments and adding users to them.
//
//   list environments   GET  {bap}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments        (pages: "nextLink")
//   get one             GET  …/scopes/admin/environments/{id}                                                (404: unknown id)
//                       (providers look environments up in one listing per process instead: findEnvironment)
//   add a user          POST …/scopes/admin/environments/{id}/addUser     {"objectId"}                        ("force sync")
//   add an app user     POST …/scopes/admin/environments/{id}/addAppUser  {"servicePrincipalAppId"}
//
// An environment's Dataverse database is described by properties.linkedEnvironmentMetadata;
// without it the environment has no Dataverse and nothing for a backup to read.

import { ClientContext, dataverseHostRefusal } from "../transport/context";
import { showUrl } from "../transport/endpoint-policy";
import { accessError } from "../transport/errors";
import { answerError, callLabel, parseAnswer } from "../transport/http/answers";
import { getAllPages } from "../transport/http/paging";
import { ApiAnswer, ApiRequest, Explanation } from "../transport/http/request";
import { conditionOf, EnvironmentConditionCode, unservableError } from "./environment-kinds";

const BASE_PATH = "/providers/Microsoft.BusinessAppPlatform";
const ENVIRONMENTS_API_VERSION = "2023-06-01";
const APP_USER_API_VERSION = "2020-10-01";

export interface DataverseInfo {
    /** The organisation URL with a trailing slash, e.g. https://contoso.crm4.dynamics.com/. */
    readonly instanceUrl: string;
    readonly instanceApiUrl: string | undefined;
    readonly uniqueName: string | undefined;
    readonly domainName: string | undefined;
    readonly version: string | undefined;
}

export interface EnvironmentInfo {
    /** The environment id (BAP's "name"): a GUID, or Default-{tenant id}. */
    readonly id: string;
    readonly displayName: string;
    /** Production, Sandbox, Trial, Developer, Default, Teams. */
    readonly sku: string;
    /** Runtime state: Enabled or AdminMode (others possible). */
    readonly state: string;
    readonly isDefault: boolean;
    readonly provisioningState: string | undefined;
    /** properties.states.management.id: Ready (or NotSpecified); another value while an operation runs. */
    readonly managementState?: string;
    /** linkedEnvironmentMetadata.instanceState: Ready once the Dataverse instance serves requests. */
    readonly instanceState?: string;
    /** governanceConfiguration.protectionLevel "Standard": a managed environment. */
    readonly managed?: boolean;
    /** properties.usedBy: the owner of a Developer environment. */
    readonly owner?: { readonly id: string; readonly userPrincipalName: string | undefined };
    readonly location: string | undefined;
    /** Undefined when the environment has no Dataverse database. */
    readonly dataverse: DataverseInfo | undefined;
    /** Entra group the environment is restricted to, if any. */
    readonly securityGroupId: string | undefined;
}

/** Where Dataverse calls for one environment go. */
export interface DataverseTarget {
    readonly environmentId: string;
    readonly instanceUrl: string;
}

function text(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** BAP's environment JSON to the typed view the program and providers use. */
export function toEnvironmentInfo(raw: any): EnvironmentInfo {
    const properties = raw?.properties ?? {};
    const linked = properties.linkedEnvironmentMetadata;
    const instanceUrl = text(linked?.instanceUrl);
    return {
        id: String(raw?.name ?? ""),
        displayName: text(properties.displayName) ?? String(raw?.name ?? ""),
        sku: text(properties.environmentSku) ?? "Unknown",
        state: text(properties.states?.runtime?.id) ?? "Unknown",
        isDefault: properties.isDefault === true,
        provisioningState: text(properties.provisioningState),
        managementState: text(properties.states?.management?.id),
        instanceState: text(linked?.instanceState),
        managed: properties.governanceConfiguration?.protectionLevel === "Standard",
        owner: text(properties.usedBy?.id) ? { id: properties.usedBy.id, userPrincipalName: text(properties.usedBy.userPrincipalName) } : undefined,
        location: text(raw?.location),
        dataverse: instanceUrl
            ? {
                  instanceUrl: instanceUrl.endsWith("/") ? instanceUrl : `${instanceUrl}/`,
                  instanceApiUrl: text(linked.instanceApiUrl),
                  uniqueName: text(linked.uniqueName),
                  domainName: text(linked.domainName),
                  version: text(linked.version),
              }
            : undefined,
        securityGroupId: text(linked?.securityGroupId),
    };
}

function environmentsUrl(ctx: ClientContext, suffix = "", apiVersion = ENVIRONMENTS_API_VERSION): string {
    return `${ctx.endpoints.bap}${BASE_PATH}/scopes/admin/environments${suffix}?api-version=${apiVersion}`;
}

function operatorClientId(ctx: ClientContext): string | undefined {
    const credential = ctx.settings.credential;
    return "clientId" in credential ? credential.clientId : undefined;
}

/**
 * Fixes shared by every BAP call: an application that is not registered as a Power
 * Platform management application, and an operator without an admin role.
 */
function explainBap(ctx: ClientContext): (answer: ApiAnswer) => Explanation | undefined {
    return (answer) => {
        if (answer.status !== 403) return undefined;
        const clientId = operatorClientId(ctx);
        if (/does not have permission to access the path/i.test(answer.message) && clientId) {
            return {
                kind: "admin-application",
                what: `The application ${clientId} is not registered as a Power Platform management application, so BAP refuses it: ${answer.message}`,
                fix:
                    `register it once per tenant, signed in as a Power Platform administrator (a user): ` +
                    `PUT ${ctx.endpoints.bap}${BASE_PATH}/adminApplications/${clientId}?api-version=2020-10-01 ` +
                    `(or \`pac admin application register --application-id ${clientId}\`, or PowerShell ` +
                    `New-PowerAppManagementApp -ApplicationId ${clientId}), then run again.`,
            };
        }
        return {
            fix:
                "the operator needs the Entra role Power Platform Administrator (or Dynamics 365 Administrator); " +
                "a service principal must also be registered as a Power Platform management application.",
        };
    };
}

/** Every environment of the tenant, all pages. */
export async function listEnvironments(ctx: ClientContext): Promise<EnvironmentInfo[]> {
    const raw = await getAllPages<unknown>(
        ctx.http,
        {
            service: "bap",
            method: "GET",
            url: environmentsUrl(ctx),
            audience: ctx.endpoints.bapAudience,
            call: "list environments",
            explain: explainBap(ctx),
        },
        "nextLink",
    );
    return raw.map((entry) => admittedEnvironment(ctx, toEnvironmentInfo(entry)));
}

/**
 * The environment, once its Dataverse host is known to be one of the cloud's (any
 * https host with custom endpoints): BAP's answer decides where Dataverse tokens go,
 * so an instance elsewhere is refused before any token is fetched for it.
 */
function admittedEnvironment(ctx: ClientContext, environment: EnvironmentInfo): EnvironmentInfo {
    const refusal = environment.dataverse && dataverseHostRefusal(ctx.settings, environment.dataverse.instanceUrl);
    if (refusal) {
        throw accessError("configuration", {
            what:
                `BAP (${new URL(ctx.endpoints.bap).host}, from ${ctx.settings.endpoints.sources.bap}) lists the environment's Dataverse at ` +
                `${showUrl(environment.dataverse!.instanceUrl)}, which is ${refusal}; no token is fetched for it`,
            environmentId: environment.id,
            fix:
                "check d365-backup-access:cloud and the BAP endpoint; with the tenant emulator or a test proxy, opt in with " +
                "d365-backup-access:customEndpoints: true (or D365BA_CUSTOM_ENDPOINTS=true).",
        });
    }
    return environment;
}

const DIRECTORY_KEY = "bap:environment-directory";

/**
 * The tenant's environments by lower-case id, listed once per client context: a
 * provider process serves every resource of one Pulumi command, so 300 environments
 * cost the list's few pages instead of one BAP request each. A failed listing is not
 * kept.
 */
function environmentDirectory(ctx: ClientContext): Promise<Map<string, EnvironmentInfo>> {
    let directory = ctx.once.get(DIRECTORY_KEY) as Promise<Map<string, EnvironmentInfo>> | undefined;
    if (!directory) {
        directory = listEnvironments(ctx).then((all) => new Map(all.map((environment) => [environment.id.toLowerCase(), environment])));
        ctx.once.set(DIRECTORY_KEY, directory);
        directory.catch(() => ctx.once.delete(DIRECTORY_KEY));
    }
    return directory;
}

/**
 * One environment, or undefined when BAP does not know the id. Looked up in the
 * listing shared by the process; an id the listing lacks (created since) is asked for
 * on its own.
 */
export async function findEnvironment(ctx: ClientContext, environmentId: string): Promise<EnvironmentInfo | undefined> {
    const listed = (await environmentDirectory(ctx)).get(environmentId.toLowerCase());
    return listed ?? readEnvironment(ctx, environmentId);
}

/** One environment straight from BAP, or undefined when BAP does not know the id. */
export async function readEnvironment(ctx: ClientContext, environmentId: string): Promise<EnvironmentInfo | undefined> {
    const response = await ctx.http.send({
        service: "bap",
        method: "GET",
        url: environmentsUrl(ctx, `/${encodeURIComponent(environmentId)}`),
        audience: ctx.endpoints.bapAudience,
        call: "read the environment",
        environmentId,
        expect: [404],
        explain: explainBap(ctx),
    });
    return response.status === 404 ? undefined : admittedEnvironment(ctx, toEnvironmentInfo(response.body));
}

/** One environment; an unknown id is an error that says so. */
export async function getEnvironment(ctx: ClientContext, environmentId: string): Promise<EnvironmentInfo> {
    const environment = await findEnvironment(ctx, environmentId);
    if (!environment) throw unknownEnvironmentError(environmentId);
    return environment;
}

export function unknownEnvironmentError(environmentId: string) {
    return accessError("unknown-environment", {
        what: `No Power Platform environment has this id in the tenant`,
        environmentId,
        fix:
            "check d365-backup-access:environments against the admin center (Environments → the environment → " +
            "Environment ID) and that azuread:tenantId names the tenant that owns it.",
    });
}

/** Where to send Dataverse calls; an environment without Dataverse is an error that says so. */
export function dataverseTarget(environment: EnvironmentInfo): DataverseTarget {
    if (!environment.dataverse) throw noDataverseError(environment);
    return { environmentId: environment.id, instanceUrl: environment.dataverse.instanceUrl };
}

export function noDataverseError(environment: Pick<EnvironmentInfo, "id" | "displayName">) {
    return accessError("no-dataverse", {
        what: `The environment "${environment.displayName}" has no Dataverse database, so it holds no Dynamics 365 data to back up`,
        environmentId: environment.id,
        fix:
            'remove it from d365-backup-access:environments (with ["*"] such environments are skipped), ' +
            "or add a Dataverse database to it in the Power Platform admin center.",
    });
}

export type AddUserOutcome = { readonly added: true } | { readonly added: false; readonly reason: "not-licensed" | "security-group"; readonly message: string };

const NOT_LICENSED = /usernotlicensed/i;
const NOT_IN_GROUP = /security ?group|not (a )?member/i;
// Refusals that belong to the environment itself. They are told apart before the two
// above, which time cures: a Teams environment's "not a member of the team" read as a
// security group membership still on its way would be retried for
// licenseWaitTimeoutSeconds, and no wait makes a Teams, Developer or disabled
// environment admit the account. Codes first; the words for services that say it differently.
const DEVELOPER_OWNER_ONLY = /DeveloperEnvironment|developer environment.*\bowner\b/i;
const NOT_IN_TEAM = /NotInTeam|Dataverse for Teams|\bteam's\b/i;
const ENVIRONMENT_DISABLED = /EnvironmentDisabled|currently disabled/i;
const NO_DATABASE = /NoDatabase/i;

/** The part of the environment addUser's messages name. */
export type EnvironmentNaming = Pick<EnvironmentInfo, "id" | "displayName" | "owner">;

/**
 * Adds (or re-syncs) an Entra user in the environment. Refusals that time can cure
 * are returned, not raised: the licence has not reached Power Platform yet
 * ("userNotLicensed"), or the user is not (yet) in the environment's security group.
 * Refusals that belong to the environment are raised at once, each with its fix: a
 * Developer environment that admits its owner alone (developer-environment), a Dataverse
 * for Teams environment, a disabled one, one whose database is not there
 * (environment-unavailable, with the reason code).
 */
export async function addUser(ctx: ClientContext, environment: EnvironmentNaming, objectId: string): Promise<AddUserOutcome> {
    const environmentId = environment.id;
    const request: ApiRequest = {
        service: "bap",
        method: "POST",
        url: environmentsUrl(ctx, `/${encodeURIComponent(environmentId)}/addUser`),
        audience: ctx.endpoints.bapAudience,
        body: { objectId },
        call: "add the account to the environment (addUser)",
        environmentId,
        expect: [400, 403, 404, 409],
        explain: explainBap(ctx),
    };
    const response = await ctx.http.send(request);
    if (response.status >= 200 && response.status < 300) return { added: true };
    const answer = parseAnswer(response.status, response.body);
    const said = `${answer.code ?? ""} ${answer.message}`;
    const refusal = environmentRefusal(said);
    if (refusal === "developer") throw developerOwnerError(environment, objectId, request, answer);
    if (refusal) {
        throw unservableError(environment, conditionOf(refusal, environment as EnvironmentInfo), "create", {
            call: callLabel(request),
            status: answer.status,
            code: answer.code,
            said: `Power Platform: ${answer.message}`,
        });
    }
    if (NOT_LICENSED.test(said)) return { added: false, reason: "not-licensed", message: answer.message };
    if (response.status === 404) {
        if (/environment/i.test(answer.code ?? "")) throw unknownEnvironmentError(environmentId);
        throw answerError(
            {
                ...request,
                explain: () => ({
                    kind: "not-found",
                    fix: "check the account's Entra object id (d365-backup-access:serviceAccount): no user in the tenant has it.",
                }),
            },
            answer,
        );
    }
    if (NOT_IN_GROUP.test(said)) return { added: false, reason: "security-group", message: answer.message };
    throw answerError(request, answer);
}

function environmentRefusal(said: string): "developer" | EnvironmentConditionCode | undefined {
    if (DEVELOPER_OWNER_ONLY.test(said)) return "developer";
    if (NOT_IN_TEAM.test(said)) return "teams";
    if (ENVIRONMENT_DISABLED.test(said)) return "disabled";
    if (NO_DATABASE.test(said)) return /provision/i.test(said) ? "provisioning" : "no-dataverse";
    return undefined;
}

/** A Developer environment admits its owner alone: said once, with the ways out, for this environment only. */
function developerOwnerError(environment: EnvironmentNaming, objectId: string, request: ApiRequest, answer: ApiAnswer) {
    const owner = environment.owner ? (environment.owner.userPrincipalName ?? `the user with object id ${environment.owner.id}`) : undefined;
    return accessError("developer-environment", {
        what:
            `Power Platform refuses to add the account ${objectId} to this Developer environment, which is meant for its owner` +
            `${owner ? ` ${owner}` : ""} alone: ${answer.message}`,
        environmentId: environment.id,
        environmentName: environment.displayName,
        call: callLabel(request),
        status: answer.status,
        code: answer.code,
        fix:
            `leave it out (add ${environment.id} to d365-backup-access:excludeEnvironments, or take it off ` +
            `d365-backup-access:environments where that lists it), or have its owner${owner ? ` (${owner})` : ""} share it with the account ` +
            "or change its type to Sandbox or Production in the Power Platform admin center; then run `pulumi up` again.",
    });
}

/**
 * Makes an application (service principal) an application user of the environment's
 * Dataverse; Power Platform gives such users System Administrator.
 */
export async function addApplicationUser(ctx: ClientContext, environmentId: string, applicationId: string): Promise<void> {
    await ctx.http.send({
        service: "bap",
        method: "POST",
        url: environmentsUrl(ctx, `/${encodeURIComponent(environmentId)}/addAppUser`, APP_USER_API_VERSION),
        audience: ctx.endpoints.bapAudience,
        body: { servicePrincipalAppId: applicationId },
        call: `make application ${applicationId} an application user (addAppUser)`,
        environmentId,
        explain: explainBap(ctx),
    });
}
