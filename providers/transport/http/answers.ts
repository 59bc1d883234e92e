// Error translation: an error answer, a network failure or retries run out become an
// error that names the environment, the call (what it does, method and URL without the
// query), the status, the service's code and its own words, and what to do. A
// request's own explain() names the fix where it knows better than the generic
// advice per status.

import { formatSeconds } from "../durations";
import { accessError, messageOf } from "../errors";
import { HttpSettings } from "../settings/types";
import { ApiAnswer, ApiRequest, HostDescriber, Service } from "./request";

export const SERVICE_NAMES: Record<Service, string> = {
    graph: "Microsoft Graph",
    bap: "Power Platform admin API (BAP)",
    dataverse: "Dataverse",
    metadata: "cloud metadata endpoint",
    login: "Entra sign-in endpoint",
};

/** Reads the {"error":{"code","message"}} shape Graph, BAP and Dataverse share; anything else as text. */
export function parseAnswer(status: number, body: unknown): ApiAnswer {
    let parsed = body;
    if (typeof body === "string") {
        try {
            parsed = JSON.parse(body);
        } catch {
            parsed = body;
        }
    }
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (error && typeof error === "object") {
        return {
            status,
            code: typeof error.code === "string" ? error.code : undefined,
            message: typeof error.message === "string" ? error.message : JSON.stringify(error),
        };
    }
    if (typeof parsed === "string") {
        return {
            status,
            message: parsed
                .replace(/<[^>]*>/g, " ")
                .replace(/\s+/g, " ")
                .trim()
                .slice(0, 300),
        };
    }
    return { status, message: parsed === undefined || parsed === "" ? "" : JSON.stringify(parsed).slice(0, 300) };
}

export function describeWhere(request: ApiRequest): string {
    return request.environmentId ? `Environment ${request.environmentId}: ` : "";
}

/** The call as messages name it: what it does, its method and URL without the query. */
export function callLabel(request: ApiRequest): string {
    const url = new URL(request.url);
    return `${request.call}: ${request.method} ${url.origin}${url.pathname}`;
}

function genericFix(request: ApiRequest, answer: ApiAnswer): string {
    switch (answer.status) {
        case 400:
            return "the request was refused as invalid; check the ids in the stack configuration.";
        case 401:
            return (
                `the token for ${request.audience ?? "this service"} was refused; check that d365-backup-access:cloud and the ` +
                `endpoint settings match the tenant's cloud and that azuread:tenantId names the tenant that owns the environments.`
            );
        case 403:
            return "the operator lacks a permission this call needs; see the operator permissions in the providers' README.";
        case 404:
            return "it does not exist (any more); check the id, or run `pulumi refresh` if it was removed outside Pulumi.";
        default:
            return "run again; if it persists, the service's message above says why.";
    }
}

/** The error for an error answer: the request's explanation if it has one, generic advice otherwise. */
export function answerError(request: ApiRequest, answer: ApiAnswer) {
    const explained = request.explain?.(answer);
    return accessError(explained?.kind ?? "api", {
        what: explained?.what ?? `${SERVICE_NAMES[request.service]} refused ${request.call}${answer.message ? `: ${answer.message}` : ""}`,
        environmentId: request.environmentId,
        reasonCode: explained?.reasonCode,
        call: callLabel(request),
        status: answer.status,
        code: answer.code,
        fix: explained?.fix ?? genericFix(request, answer),
    });
}

export function exhausted(request: ApiRequest, attempts: number, problem: string, settings: HttpSettings) {
    return accessError("retries-exhausted", {
        what: `${SERVICE_NAMES[request.service]} did not answer ${request.call} after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${problem}`,
        environmentId: request.environmentId,
        call: callLabel(request),
        fix:
            `the service is throttling or unavailable; run again later. Requests give up after ` +
            `${formatSeconds(settings.requestDeadlineMs)} (d365-backup-access:requestTimeoutSeconds); fewer parallel requests ` +
            `(d365-backup-access:maxConcurrentRequestsPerHost, pulumi up --parallel) ease throttling.`,
    });
}

export function networkError(request: ApiRequest, error: unknown, describeHost?: HostDescriber) {
    const code = networkCode(error);
    const tls = code !== undefined && /CERT|SELF_SIGNED|TLS|SSL/.test(code);
    const host = new URL(request.url).host;
    const setting = describeHost?.(host, request.service);
    return accessError("api", {
        what: `Cannot reach the ${SERVICE_NAMES[request.service]} at ${host}${setting ? `, from ${setting},` : ""} for ${request.call}: ${messageOf(error)}`,
        environmentId: request.environmentId,
        call: callLabel(request),
        code,
        fix: tls
            ? "the server's certificate is not trusted; for a private CA set NODE_EXTRA_CA_CERTS to its certificate file before starting Pulumi."
            : setting
              ? `check that ${setting} names a host that is up and reachable from here, and the network.`
              : "check the network and the endpoint settings (d365-backup-access:endpoints, D365BA_BAP_URL, D365BA_GRAPH_URL, AZURE_AUTHORITY_HOST).",
    });
}

export function networkCode(error: unknown): string | undefined {
    const code = (error as { code?: unknown })?.code;
    return typeof code === "string" ? code : undefined;
}

export function isAnswerOrOwnError(error: unknown): boolean {
    return (error as { name?: unknown })?.name === "D365BackupAccessError";
}
