// Runs the Pulumi program once under runtime mocks and prints what it registered.
// A separate process per run: the Pulumi runtime is global, so each configuration
// needs a fresh one. Driven by runProgram() in program-runner.ts.
//
// Input (environment): PROGRAM_CONFIG  JSON object of full config keys to raw values
//                      PROGRAM_SECRET_KEYS  JSON list of the keys among them that are secret
//                      PROGRAM_USERS   JSON list of {objectId, userPrincipalName} the mocked getUser knows
//                      PROGRAM_INVOKE_DELAY_MS how long each mocked invoke takes to answer (default 0),
//                                       as the engine's reading of a large state, or the azuread
//                                       plugin's start, make them take up to a second
//                      PROGRAM_PREVIEW "true" to run as a preview
//                      PROGRAM_SNAPSHOT JSON {<urn>: {type, outputs}}: the stack's last checkpoint,
//                                       as the engine's readStackResourceOutputs answers (default: none)
//                      plus the tenant emulator's variables: the program's own checks
//                      (environments, licence) read the emulated tenant, as they would a real one.
// Output (stdout): one line "RESULT <json>" with resources, invokes, outputs, error and
//                  sent (registrations and outputs registrations, in the order sent).

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
    /** URNs of the resources it depends on (dependsOn and input dependencies). */
    dependencies: string[];
    /** The id given with the import option, when the resource is adopted. */
    importId?: string;
    /** The retainOnDelete option: destroy leaves the object in the tenant. */
    retainOnDelete: boolean;
}

const config: Record<string, string> = JSON.parse(process.env.PROGRAM_CONFIG ?? "{}");
const users: DirectoryUser[] = JSON.parse(process.env.PROGRAM_USERS ?? "[]");
const preview = process.env.PROGRAM_PREVIEW === "true";
const snapshot: Record<string, unknown> = JSON.parse(process.env.PROGRAM_SNAPSHOT ?? "{}");

const registered: Omit<RecordedResource, "urn" | "dependencies" | "retainOnDelete">[] = [];
const dependencies = new Map<string, string[]>();
const retained = new Set<string>();
const invokeDelayMs = Number(process.env.PROGRAM_INVOKE_DELAY_MS ?? "0");
const invokes: { token: string; inputs: Record<string, unknown>; calledMs: number; answeredMs: number }[] = [];
/** Every registration and outputs registration sent to the engine, in the order sent. */
const sent: { kind: "resource" | "outputs"; name: string; outputs?: unknown }[] = [];

function lookUpUser(inputs: Record<string, unknown>): DirectoryUser {
    const found = users.find(
        (user) =>
            (inputs.objectId !== undefined && user.objectId === inputs.objectId) ||
            (inputs.userPrincipalName !== undefined && user.userPrincipalName.toLowerCase() === String(inputs.userPrincipalName).toLowerCase()),
    );
    // The azuread provider fails the invoke the same way when the directory has no such user.
    if (!found) throw new Error(`User not found with ${JSON.stringify(inputs)}`);
    return found;
}

async function main(): Promise<void> {
    pulumi.runtime.setAllConfig(config, JSON.parse(process.env.PROGRAM_SECRET_KEYS ?? "[]"));
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                registered.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs, importId: args.id || undefined });
                // Dynamic resources compute these in their provider, which mocks never run.
                const computed = args.type.endsWith(":EnvironmentUser")
                    ? { systemUserId: `${args.name}-systemuserid`, accessMode: args.inputs.accessMode }
                    : args.type.endsWith(":SecurityRoleAssignment")
                      ? { roleName: "System Administrator", systemUserId: `${args.name}-systemuserid`, accessMode: args.inputs.accessMode }
                      : {};
                return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...args.inputs, ...computed } };
            },
            async call(args) {
                const invoke: (typeof invokes)[number] = { token: args.token, inputs: args.inputs, calledMs: Date.now(), answeredMs: NaN };
                invokes.push(invoke);
                if (invokeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, invokeDelayMs));
                invoke.answeredMs = Date.now();
                if (args.token === "azuread:index/getUser:getUser") {
                    const user = lookUpUser(args.inputs);
                    return { ...user, id: user.objectId, accountEnabled: true };
                }
                if (args.token === "pulumi:pulumi:readStackResourceOutputs") {
                    // The engine's answer for this stack's last checkpoint.
                    return { name: args.inputs.stackName, outputs: snapshot };
                }
                throw new Error(`no mock for invoke ${args.token}`);
            },
        },
        "d365-backup-access",
        "contoso",
        preview,
        // The organization of a self-managed backend's stacks.
        "organization",
    );

    // The mock monitor does not pass dependencies to newResource; note them on the way in.
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request: any, callback: unknown) => {
        dependencies.set(request.getName(), request.getDependenciesList());
        if (request.getRetainondelete()) retained.add(request.getName());
        sent.push({ kind: "resource", name: request.getName() });
        return register(request, callback);
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (request: any, callback: unknown) => {
        const urn: string = request.getUrn();
        sent.push({ kind: "outputs", name: urn.slice(urn.lastIndexOf("::") + 2), outputs: request.getOutputs()?.toJavaScript() });
        return registerOutputs(request, callback);
    };

    let outputs: Record<string, unknown> = {};
    let error: string | undefined;
    try {
        const program: any = await import("../../index");
        const entry = program.default ?? program;
        outputs = await resolveOutputs(typeof entry === "function" ? await entry() : entry);
    } catch (caught) {
        error = caught instanceof Error ? caught.message || String(caught.stack) : String(caught);
    }
    await pulumi.runtime.disconnect();

    // The mock monitor keeps every registration by URN; pair them with the recorded inputs.
    const urns = [...(monitor.resources as Map<string, unknown>).keys()];
    const resources: RecordedResource[] = registered.map((resource) => ({
        ...resource,
        urn: urns.find((urn) => urn.endsWith(`::${resource.name}`) && urn.includes(resource.type)) ?? "",
        dependencies: dependencies.get(resource.name) ?? [],
        retainOnDelete: retained.has(resource.name),
    }));
    process.stdout.write(`RESULT ${JSON.stringify({ resources, invokes, outputs, error, sent })}\n`);
}

/** Waits for every stack output, nested outputs included; unknown ones (preview) come back as null. */
async function resolveOutputs(stackOutputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(stackOutputs)) {
        const output = pulumi.output(value) as pulumi.Output<unknown>;
        const known = await (output as unknown as { isKnown: Promise<boolean> }).isKnown;
        result[key] = known ? await new Promise((resolve) => output.apply((v) => resolve(v))) : null;
    }
    return result;
}

main().catch((caught) => {
    process.stderr.write(`program harness failed: ${caught instanceof Error ? caught.stack : caught}\n`);
    process.exit(1);
});
