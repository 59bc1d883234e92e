// The environment that points a shell, a Pulumi stack and our clients at a running
// emulator, and the `export K=V` file that carries it.
import { promises as fs } from "fs";
import { Endpoints } from "./services/deps";

export interface EnvironmentInputs {
    endpoints: Endpoints;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    caFile: string;
    /** The system's roots plus the CA (see writeTrustBundle), for Go programs. */
    trustBundle: string;
}

export function emulatorEnvironment(inputs: EnvironmentInputs): Record<string, string> {
    return {
        // The emulator's hosts are not the cloud's: the clients refuse them unless custom
        // endpoints are opted in, and then name them in a warning on every run.
        D365BA_CUSTOM_ENDPOINTS: "true",
        AZURE_AUTHORITY_HOST: inputs.endpoints.login,
        D365BA_GRAPH_URL: inputs.endpoints.graph,
        D365BA_BAP_URL: inputs.endpoints.bap,
        ARM_TENANT_ID: inputs.tenantId,
        ARM_CLIENT_ID: inputs.clientId,
        ARM_CLIENT_SECRET: inputs.clientSecret,
        ARM_METADATA_HOSTNAME: inputs.endpoints.metadataHost,
        // Go replaces its trusted roots with SSL_CERT_FILE: give it the system's too.
        SSL_CERT_FILE: inputs.trustBundle,
        // Node adds NODE_EXTRA_CA_CERTS to its own roots.
        NODE_EXTRA_CA_CERTS: inputs.caFile,
    };
}

function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Writes `export K='V'` lines, readable by the owner only (the emulator's file holds the client secret). */
export async function writeEnvFile(file: string, vars: Record<string, string>, what = "Tenant emulator endpoints"): Promise<void> {
    const lines = Object.entries(vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
    await fs.writeFile(file, `# ${what}; source this file: . ${file}\n${lines.join("\n")}\n`, { mode: 0o600 });
    await fs.chmod(file, 0o600);
}
