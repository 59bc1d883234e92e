// One stack, start to finish: its configuration into the program's settings (the same
// parsing and validation as `pulumi up`), then the tenant reads, then the verdicts.

import { ConfigError, describeServiceAccount } from "../lib/config";
import { readStackSettings } from "../lib/stack-settings";
import { configuredCustomHosts, customEndpointsWarning, describeCredential, EnvironmentVariables, TokenCredentialLike } from "../providers";
import { evaluate } from "./checks";
import { StackReport } from "./report";
import { readTenant } from "./tenant-reads";

export interface DoctorOptions {
    /** Where the clients' progress lines go (retries, waits); nowhere by default. */
    readonly log?: (message: string) => void;
    /** Any @azure/identity credential instead of the one the configuration describes. */
    readonly credential?: TokenCredentialLike;
}

export async function doctorStack(
    stack: string,
    stackConfig: Readonly<Record<string, string>>,
    env: EnvironmentVariables,
    options: DoctorOptions = {},
): Promise<StackReport> {
    let settings;
    try {
        settings = readStackSettings(stackConfig, env);
    } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return {
            stack,
            checks: [
                {
                    id: "configuration",
                    title: "Stack configuration",
                    status: "fail",
                    detail: error.problems.join(" "),
                    breaks: "every preview and update of this stack: the program refuses the configuration before anything changes",
                    fix: `set the keys named above: npx pulumi config set --stack ${stack} <key> <value> (docs/configuration.md).`,
                },
            ],
        };
    }
    const { config, clientSettings } = settings;
    // As the program reads it: 0 (Pulumi.yaml's default) is no elevation.
    const elevation = config.elevation !== undefined;
    const snapshot = await readTenant(config, clientSettings, { elevation, log: options.log, credential: options.credential });
    const checks = evaluate(
        { config, credential: describeCredential(clientSettings.credential), addOperatorAppUser: clientSettings.addOperatorAppUser, elevation },
        snapshot,
    );
    const customHosts = configuredCustomHosts(clientSettings);
    return {
        stack,
        summary: `stage ${config.stage}, account ${describeServiceAccount(config.serviceAccount)}`,
        checks: [
            { id: "configuration", title: "Stack configuration", status: "ok", detail: "valid" },
            ...(customHosts.length
                ? [
                      {
                          id: "custom-endpoints",
                          title: "Custom endpoints",
                          status: "warn" as const,
                          detail: customEndpointsWarning(clientSettings.cloud, customHosts),
                      },
                  ]
                : []),
            ...checks,
        ],
    };
}
