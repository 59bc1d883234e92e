// Runs the Pulumi program once under runtime mocks and prints what it registered.
// A separate process per run: the Pulumi runtime is global, so each configuration
// needs a fresh one. Driven by runProgram() in program-runner.ts.
//
// Input (environment): PROGRAM_CONFIG  JSON object of full config keys to raw values
//                      PROGRAM_USERS   JSON list of {objectId, userPrincipalName} the mocked getUser knows
//                      PROGRAM_PREVIEW "true" to run as a preview
// Output (stdout): one line "RESULT <json>" with resources, invokes, outputs and error.

import * as pulumi from "@pulumi/pulumi";

interface DirectoryUser {
    objectId: string;
    userPrincipalName: string;
}

interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    inputs: Record<string, unknown>;
}

const config: Record<string, string> = JSON.parse(process.env.PROGRAM_CONFIG ?? "{}");
const users: DirectoryUser[] = JSON.parse(process.env.PROGRAM_USERS ?? "[]");
const preview = process.env.PROGRAM_PREVIEW === "true";

const registered: Omit<RecordedResource, "urn">[] = [];
const invokes: { token: string; inputs: Record<string, unknown> }[] = [];

function lookUpUser(inputs: Record<string, unknown>): DirectoryUser {
    const found = users.find(
        (user) =>
            (inputs.objectId !== undefined && user.objectId === inputs.objectId) ||
            (inputs.userPrincipalName !== undefined &&
                user.userPrincipalName.toLowerCase() === String(inputs.userPrincipalName).toLowerCase()),
    );
    // The azuread provider fails the invoke the same way when the directory has no such user.
    if (!found) throw new Error(`User not found with ${JSON.stringify(inputs)}`);
    return found;
}

async function main(): Promise<void> {
    pulumi.runtime.setAllConfig(config);
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                registered.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs });
                return { id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs };
            },
            call(args) {
                invokes.push({ token: args.token, inputs: args.inputs });
                if (args.token === "azuread:index/getUser:getUser") {
                    const user = lookUpUser(args.inputs);
                    return { ...user, id: user.objectId, accountEnabled: true };
                }
                throw new Error(`no mock for invoke ${args.token}`);
            },
        },
        "d365-backup-access",
        "contoso",
        preview,
    );

    let outputs: Record<string, unknown> = {};
    let error: string | undefined;
    try {
        const program = await import("../../index");
        outputs = await resolveOutputs(program as Record<string, unknown>);
    } catch (caught) {
        error = caught instanceof Error ? caught.message || String(caught.stack) : String(caught);
    }
    await pulumi.runtime.disconnect();

    // The mock monitor keeps every registration by URN; pair them with the recorded inputs.
    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
    const urns = [...monitor.resources.keys()];
    const resources: RecordedResource[] = registered.map((resource) => ({
        ...resource,
        urn: urns.find((urn) => urn.endsWith(`::${resource.name}`) && urn.includes(resource.type)) ?? "",
    }));
    process.stdout.write(`RESULT ${JSON.stringify({ resources, invokes, outputs, error })}\n`);
}

/** Waits for every exported value; unknown values (preview) come back as null. */
async function resolveOutputs(program: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) {
        if (pulumi.Output.isInstance(value)) {
            const known = await (value as unknown as { isKnown: Promise<boolean> }).isKnown;
            result[key] = known
                ? await new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)))
                : null;
        } else {
            result[key] = value;
        }
    }
    return result;
}

main().catch((caught) => {
    process.stderr.write(`program harness failed: ${caught instanceof Error ? caught.stack : caught}\n`);
    process.exit(1);
});
