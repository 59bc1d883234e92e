// The operator's credentials are set with `pulumi config set --secret`: encrypted in
// Pulumi.<stack>.yaml, never in plain text in a file people commit. Messages name the
// key, never its value.
//
// Which keys are secret is known to the program, not to a policy pack: Pulumi's Node.js
// language host passes a pack the configuration values only. So the program records the
// credential keys it found in plain text on its component (`plainTextCredentialKeys`),
// which the engine analyzes when it is registered — before any of its children, so an
// update stops there even with --skip-preview. A component without the record (an
// older program) is refused: the rule cannot check it.

import { ResourceValidationPolicy } from "@pulumi/policy";

import { SECRET_CONFIG_KEYS } from "../facts";
import { COMPONENT, describeResource } from "../resources";
import { stackFile, StackConfig } from "../stack-config";

export function noSecretInPlainConfig(config: () => StackConfig): ResourceValidationPolicy {
    return {
        name: "no-secret-in-plain-config",
        description: `Credential keys (${SECRET_CONFIG_KEYS.join(", ")}) are set only as secrets.`,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (args.type !== COMPONENT) return;
            const recorded = args.props.plainTextCredentialKeys;
            if (!Array.isArray(recorded)) {
                reportViolation(
                    `${describeResource(args)} does not say which credentials are stored in plain text, so the pack cannot check them. ` +
                        `Fix: deploy with a version of the program that records plainTextCredentialKeys on its component.`,
                );
                return;
            }
            for (const key of recorded.filter((k): k is string => typeof k === "string")) {
                reportViolation(
                    `${key} is stored in plain text in ${stackFile(config())}. Fix: \`pulumi config set --secret ${key}\` ` +
                        `(type the value at the prompt), then treat the old value as exposed and rotate it if the file was shared or committed.`,
                );
            }
        },
    };
}
