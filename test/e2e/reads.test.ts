// Reads never write, through the Pulumi CLI: a stack whose state holds the account's
// Dataverse users and roles, in a tenant whose Dataverse no longer accepts the
// operator. `pulumi preview --refresh` and `pulumi refresh` must end at once with an
// error that names the environment and the fix, and send nothing but GET requests
// (the workspace checks every preview and refresh against the emulator's request log;
// here the operator's missing application user is exactly what a writing read would
// have "repaired" with BAP addAppUser).
//
// Needs the toolchain of scripts/toolchain/build.sh. Run with `npm run test:e2e`.

import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as path from "path";

import { RunningEmulator, startEmulator } from "../../emulator";
import { servedEnvironments } from "../support/served-environments";
import { createWorkspace, PulumiWorkspace, REPOSITORY } from "./support/workspace";

describe("reads never write, through the Pulumi CLI", function () {
    this.timeout(10 * 60 * 1000);

    let emulator: RunningEmulator;
    let workspace: PulumiWorkspace;
    let operatorObjectId: string;
    let environmentIds: string[];
    /** Those the stack serves (the demo tenant's Teams and provisioning environments are skipped): a user and a role each. */
    let servedIds: string[];

    before(async () => {
        const seed = JSON.parse(await fs.readFile(path.join(REPOSITORY, "emulator", "seeds", "demo.json"), "utf8"));
        operatorObjectId = seed.operator.objectId;
        environmentIds = seed.environments.map((environment: { id: string }) => environment.id);
        servedIds = servedEnvironments(seed).map((environment: { id: string }) => environment.id);
        const account = seed.users.find((user: { userPrincipalName: string }) => user.userPrincipalName.startsWith("backup@"));
        emulator = await startEmulator(seed);
        const { ARM_CLIENT_SECRET: clientSecret, ...env } = emulator.env;
        workspace = await createWorkspace({ stack: "contoso", env });
        await workspace.setConfig("azuread:clientSecret", clientSecret, { secret: true });
        await workspace.setConfig("d365-backup-access:serviceAccount", account.userPrincipalName);
        await workspace.setConfig("d365-backup-access:environments[0]", "*", { path: true });
        await workspace.setConfig("d365-backup-access:stage", "operational");
        await workspace.run(["up", "--yes", "--skip-preview"]);
        // Someone removes the operator's application user everywhere: Dataverse now
        // answers the operator 403 0x80072560 until it is made one again (addAppUser).
        emulator.mutate((tenant) => {
            for (const environment of tenant.environments) {
                environment.systemUsers = environment.systemUsers.filter((user) => user.azureActiveDirectoryObjectId !== operatorObjectId);
            }
        });
    });

    after(async () => {
        await emulator?.stop();
        await workspace?.remove();
    });

    const operatorIsAppUserIn = () =>
        environmentIds.filter((id) =>
            emulator
                .state()
                .environments!.find((environment) => environment.id === id)!
                .systemUsers?.some((user) => user.azureActiveDirectoryObjectId === operatorObjectId),
        );

    for (const command of [
        ["preview", "--refresh"],
        ["refresh", "--yes", "--skip-preview"],
    ]) {
        it(`pulumi ${command.join(" ")} refuses to read, naming the environment and the fix, without adding the operator or waiting`, async () => {
            const since = emulator.requests().length;
            const result = await workspace.run(command, { allowFailure: true });
            assert.notEqual(result.code, 0, "the run fails");
            const text = result.stdout + result.stderr;
            assert.match(
                text,
                /Environment [0-9a-f-]{36}: Dataverse refuses the operator's application [0-9a-f-]{36}, so this read-only run cannot read the environment/,
            );
            assert.match(text, /0x80072560/);
            assert.match(
                text,
                /Fix: make application [0-9a-f-]{36} an application user of the environment with System Administrator: POST https:\/\/[^ ]+\/addAppUser\?api-version=2020-10-01/,
            );
            assert.deepEqual(operatorIsAppUserIn(), [], "nobody made the operator an application user");
            // One refused read per resource at most: nothing was retried or polled.
            const refused = emulator
                .requests()
                .slice(since)
                .filter((request) => request.service === "dataverse" && request.status === 403);
            const dataverseResources = servedIds.length * 2;
            assert.ok(refused.length > 0 && refused.length <= dataverseResources, `${refused.length} refused Dataverse requests`);
        });
    }
});
