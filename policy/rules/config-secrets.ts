// The operator's credentials are set with `pulumi config set --secret`: encrypted in
// Pulumi.<stack>.yaml, never in plain text in a file people commit. Messages name the
// key, never its value.
//
// Checked on the stack's root resource, the first one the engine analyzes: an update
// stops there, before any resource changes, even with --skip-preview.

import { ResourceValidationPolicy } from "@pulumi/policy";

import { SECRET_CONFIG_KEYS } from "../facts";
import { STACK } from "../resources";
import { configValue, stackFile, StackConfig } from "../stack-config";

export function noSecretInPlainConfig(config: () => StackConfig): ResourceValidationPolicy {
    return {
        name: "no-secret-in-plain-config",
        description: `Credential keys (${SECRET_CONFIG_KEYS.join(", ")}) are set only as secrets.`,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (args.type !== STACK) return;
            const stack = config();
            const present = SECRET_CONFIG_KEYS.filter((key) => configValue(stack, key) !== undefined);
            for (const key of present) {
                if (!stack.secretKeys) {
                    reportViolation(
                        `${key} is set, but the Pulumi CLI did not tell the policy pack which configuration values are secret, so it cannot ` +
                            `check that ${key} is encrypted. Fix: run the pack with the project's pinned CLI and its Node.js language host ` +
                            `(they pass PULUMI_CONFIG_SECRET_KEYS), and keep ${key} set with --secret.`,
                    );
                } else if (!stack.secretKeys.includes(key)) {
                    reportViolation(
                        `${key} is stored in plain text in ${stackFile(stack)}. Fix: \`pulumi config set --secret ${key}\` ` +
                            `(type the value at the prompt), then treat the old value as exposed and rotate it if the file was shared or committed.`,
                    );
                }
            }
        },
    };
}
