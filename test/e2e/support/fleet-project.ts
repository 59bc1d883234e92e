// The fleet's end-to-end project: every command's output and every stack secret go
// through the suite-wide secret guard, and every command that only previews (pulumi
// preview and refresh, fleet preview and status) is checked to have sent nothing but
// GET requests to the tenants' emulators (reads-only.ts).

import { createFleetProject as create, FleetProject } from "../../../workspace/fleet-workspace";
import { inspectForSecrets, registerSecret } from "../../support/secret-guard";
import { emulatorOrigin, expectOnlyReads, onlyReads } from "../../support/reads-only";

export type { FleetProject } from "../../../workspace/fleet-workspace";

/** The fleet commands that must only read every tenant. */
const FLEET_READS = ["preview", "status"];

export async function createFleetProject(): Promise<FleetProject> {
    const project = await create({ onOutput: inspectForSecrets, onSecret: registerSecret });
    const tenants: string[] = [];
    const checked: Pick<FleetProject, "addTenant" | "fleet" | "pulumi"> = {
        async addTenant(stack, emulator, account, stage) {
            tenants.push(emulatorOrigin(emulator.env));
            await project.addTenant(stack, emulator, account, stage);
        },
        fleet: (args, extraEnv) =>
            FLEET_READS.includes(args[0])
                ? expectOnlyReads(`npm run fleet -- ${args.join(" ")}`, tenants, () => project.fleet(args, extraEnv))
                : project.fleet(args, extraEnv),
        pulumi: (args, input) =>
            onlyReads(args) ? expectOnlyReads(`pulumi ${args.join(" ")}`, tenants, () => project.pulumi(args, input)) : project.pulumi(args, input),
    };
    // Everything else is the project's own (delegated: `variables` is a live getter).
    return Object.assign(Object.create(project), checked);
}
