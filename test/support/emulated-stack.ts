// A tenant stack's settings for an emulated tenant, as `pulumi config` would hold them:
// the operator's app, the emulator's endpoints, the demo account, every environment.

import type { RunningEmulator } from "../../emulator";

/** The stack's settings for `emulator`'s tenant at `stage`, with `environments` (default every one). */
export function emulatedStackValues(emulator: RunningEmulator, stage: string, environments = '["*"]'): Record<string, string> {
    const seed = emulator.state();
    return {
        "azuread:tenantId": emulator.tenantId,
        "azuread:clientId": seed.operator.clientId,
        "azuread:clientSecret": seed.operator.clientSecret!,
        "azuread:metadataHost": emulator.endpoints.metadataHost,
        "d365-backup-access:endpoints": JSON.stringify({ bap: emulator.endpoints.bap }),
        "d365-backup-access:customEndpoints": "true",
        "d365-backup-access:serviceAccount": "backup@contoso.onmicrosoft.com",
        "d365-backup-access:environments": environments,
        "d365-backup-access:stage": stage,
    };
}
