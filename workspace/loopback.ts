// Loopback hosts: the only ones the test-only azuread stand-in may talk to, and the only
// endpoints a shell may point at for `npm run prepare-shell` to install that stand-in.
// The stand-in is meant for the tenant emulator on this machine; against a real tenant
// it would sign in with real credentials and change real directory roles while only
// pretending to be the azuread provider.

/** localhost (and names under it), 127.0.0.0/8 and ::1, with or without brackets. */
export function isLoopbackHost(hostname: string): boolean {
    const host = hostname
        .toLowerCase()
        .replace(/^\[(.*)\]$/, "$1")
        .replace(/\.$/, "");
    if (host === "localhost" || host.endsWith(".localhost")) return true;
    if (/^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host)) return true;
    return host === "::1" || host === "0:0:0:0:0:0:0:1";
}

/**
 * The host name in an endpoint value: a URL ("https://127.0.0.1:8443/path") or a bare
 * host with an optional port ("127.0.0.1:8443", as ARM_METADATA_HOSTNAME holds it).
 * Undefined when it cannot be parsed.
 */
export function hostOf(value: string): string | undefined {
    try {
        return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`).hostname || undefined;
    } catch {
        return undefined;
    }
}

/** A value as it may be shown: scheme, host and path, never a query or user-info. */
export function displayEndpoint(value: string): string {
    try {
        const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
        return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}` : url.host;
    } catch {
        return "(not a URL)";
    }
}

/** The variables that point a shell at the tenant emulator (its env file sets them all). */
export const EMULATOR_ENDPOINT_VARIABLES = ["ARM_METADATA_HOSTNAME", "AZURE_AUTHORITY_HOST", "D365BA_GRAPH_URL", "D365BA_BAP_URL"] as const;

/**
 * Why `env` is not a shell pointed at the tenant emulator, or undefined when it is:
 * ARM_METADATA_HOSTNAME (where the azuread provider finds its endpoints) must be set and
 * every endpoint variable that is set must name a loopback host.
 */
export function notPointedAtEmulator(env: Readonly<Record<string, string | undefined>>): string | undefined {
    const problems: string[] = [];
    if (!env.ARM_METADATA_HOSTNAME) problems.push("ARM_METADATA_HOSTNAME is not set (the azuread provider would use the public cloud's endpoints)");
    for (const name of EMULATOR_ENDPOINT_VARIABLES) {
        const value = env[name];
        if (!value) continue;
        const host = hostOf(value);
        if (!host || !isLoopbackHost(host)) problems.push(`${name} is ${displayEndpoint(value)}, not a loopback host (localhost, 127.0.0.0/8, ::1)`);
    }
    return problems.length > 0 ? problems.join("; ") : undefined;
}
