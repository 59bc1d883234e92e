// The provider configuration, resolved as the real provider resolves it: a key set in
// the stack configuration (`azuread:<key>`) beats its ARM_* environment variable.
//
// The engine hands configuration over twice in Configure: as `args` (keys without the
// namespace, secrets wrapped) and as the older `variables` map ("azuread:config:<key>",
// plain strings). Both are read; args win.
//
// Client-secret sign-in and, as the real provider's default when no other method is
// configured (use_cli), the Azure CLI's signed-in user are implemented; any other method
// is refused with a message saying so.

import { readFileSync } from "fs";

import { Props, unwrapSecrets } from "./properties";

export interface ProviderSettings {
    readonly tenantId: string;
    /** How the provider signs in: the application's client secret, or the Azure CLI's user. */
    readonly method: "clientSecret" | "azureCli";
    readonly clientId?: string;
    readonly clientSecret?: string;
    /** Built-in cloud name, used when no metadata host is set. */
    readonly environment: string;
    readonly metadataHost?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Reads one key from the Configure request: args first, then the variables map. */
export function configReader(args: Props, variables: ReadonlyMap<string, string>): (key: string) => string | undefined {
    const plainArgs = unwrapSecrets(args) as Props;
    return (key) => {
        const value = plainArgs[key];
        if (typeof value === "string" && value !== "") return value;
        if (typeof value === "boolean" || typeof value === "number") return String(value);
        const variable = variables.get(`azuread:config:${key}`);
        return variable === undefined || variable === "" ? undefined : variable;
    };
}

export class ConfigurationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigurationError";
    }
}

function readSecretFile(path: string, key: string, variable: string): string {
    try {
        return readFileSync(path, "utf8").trim();
    } catch (error) {
        throw new ConfigurationError(`azuread:${key} (or ${variable}) names ${path}, which cannot be read: ${(error as Error).message}`);
    }
}

export function resolveSettings(get: (key: string) => string | undefined, env: Environment): ProviderSettings {
    const setting = (key: string, variable: string) => get(key) ?? (env[variable] || undefined);

    const tenantId = setting("tenantId", "ARM_TENANT_ID");
    const clientIdFile = setting("clientIdFilePath", "ARM_CLIENT_ID_FILE_PATH");
    const clientId =
        setting("clientId", "ARM_CLIENT_ID") ?? (clientIdFile ? readSecretFile(clientIdFile, "clientIdFilePath", "ARM_CLIENT_ID_FILE_PATH") : undefined);
    const secretFile = setting("clientSecretFilePath", "ARM_CLIENT_SECRET_FILE_PATH");
    const clientSecret =
        setting("clientSecret", "ARM_CLIENT_SECRET") ??
        (secretFile ? readSecretFile(secretFile, "clientSecretFilePath", "ARM_CLIENT_SECRET_FILE_PATH") : undefined);

    const problems: string[] = [];
    const useCli = (setting("useCli", "ARM_USE_CLI") ?? "true").toLowerCase() !== "false";
    if (!tenantId) problems.push("azuread:tenantId (or ARM_TENANT_ID) is not set; the tenant's id (a GUID) is expected");
    if (!clientSecret && !clientId && useCli) {
        if (problems.length > 0) throw new ConfigurationError(`Invalid azuread provider configuration:\n- ${problems.join("\n- ")}`);
        return {
            tenantId: tenantId!,
            method: "azureCli",
            environment: setting("environment", "ARM_ENVIRONMENT") ?? "global",
            metadataHost: setting("metadataHost", "ARM_METADATA_HOSTNAME"),
        };
    }
    if (!clientId) problems.push("azuread:clientId (or ARM_CLIENT_ID) is not set; the application (client) id of the operator is expected");
    if (!clientSecret) {
        const other = ["clientCertificate", "clientCertificatePath", "useOidc", "useMsi"].filter((key) => get(key) !== undefined);
        problems.push(
            "azuread:clientSecret (or ARM_CLIENT_SECRET) is not set; this test stand-in for the azuread provider signs in " +
                "with a client secret, or with the Azure CLI when no client id is set" +
                (other.length > 0 ? ` (also configured, but not implemented here: ${other.map((k) => `azuread:${k}`).join(", ")})` : ""),
        );
    }
    if (problems.length > 0) throw new ConfigurationError(`Invalid azuread provider configuration:\n- ${problems.join("\n- ")}`);

    return {
        tenantId: tenantId!,
        method: "clientSecret",
        clientId: clientId!,
        clientSecret: clientSecret!,
        environment: setting("environment", "ARM_ENVIRONMENT") ?? "global",
        metadataHost: setting("metadataHost", "ARM_METADATA_HOSTNAME"),
    };
}
