// The policy pack: `pulumi preview --policy-pack policy` (see docs/policy-pack.md).
// Constructing the PolicyPack starts its gRPC server, so this file does nothing else;
// the rules live in policies.ts and rules/.

import { PolicyPack } from "@pulumi/policy";

import { buildPolicies, POLICY_PACK_NAME } from "./policies";
import { readStackConfig } from "./stack-config";

// The language host starts the pack once per preview or update, with the stack's configuration.
const stackConfig = readStackConfig();

new PolicyPack(POLICY_PACK_NAME, {
    enforcementLevel: "mandatory",
    policies: buildPolicies(() => stackConfig),
});
