// The end-to-end suite's workspaces: every command's output and every stack secret go
// through the suite-wide secret guard, and every preview and refresh is checked to have
// sent nothing but GET requests to the tenant emulator (reads-only.ts).

import { createWorkspace as create, PulumiWorkspace, WorkspaceOptions } from "../../../workspace/pulumi-workspace";
import { inspectForSecrets, registerSecret } from "../../support/secret-guard";
import { emulatorOrigin, expectOnlyReads, onlyReads } from "./reads-only";

export { copyProject, readAllFiles, REPOSITORY } from "../../../workspace/pulumi-workspace";
export type { PulumiWorkspace } from "../../../workspace/pulumi-workspace";

export async function createWorkspace(options: WorkspaceOptions): Promise<PulumiWorkspace> {
    const workspace = await create({
        ...options,
        onOutput: (text) => inspectForSecrets("a pulumi command's output", text),
        onSecret: registerSecret,
    });
    const run: PulumiWorkspace["run"] = (args, runOptions = {}) => {
        if (!onlyReads(args)) return workspace.run(args, runOptions);
        const what = `pulumi ${args.join(" ")}`;
        return Promise.resolve()
            .then(() => emulatorOrigin({ ...options.env, ...runOptions.env }))
            .then((origin) => expectOnlyReads(what, [origin], () => workspace.run(args, runOptions)));
    };
    // Everything else is the workspace's own (delegated, so getters stay live).
    return Object.assign(Object.create(workspace), { run });
}
