// The fleet's end-to-end project: every command's output and every stack secret go
// through the suite-wide secret guard.

import { createFleetProject as create, FleetProject } from "../../../scripts/toolchain/fleet-workspace";
import { inspectForSecrets, registerSecret } from "../../support/secret-guard";

export type { FleetProject } from "../../../scripts/toolchain/fleet-workspace";

export function createFleetProject(): Promise<FleetProject> {
    return create({ onOutput: inspectForSecrets, onSecret: registerSecret });
}
