// The end-to-end suite's workspaces: every command's output and every stack secret go
// through the suite-wide secret guard.

import { createWorkspace as create, PulumiWorkspace, WorkspaceOptions } from "../../../scripts/toolchain/pulumi-workspace";
import { inspectForSecrets, registerSecret } from "../../support/secret-guard";

export { copyProject, readAllFiles, REPOSITORY } from "../../../scripts/toolchain/pulumi-workspace";
export type { PulumiWorkspace } from "../../../scripts/toolchain/pulumi-workspace";

export function createWorkspace(options: WorkspaceOptions): Promise<PulumiWorkspace> {
    return create({
        ...options,
        onOutput: (text) => inspectForSecrets("a pulumi command's output", text),
        onSecret: registerSecret,
    });
}
