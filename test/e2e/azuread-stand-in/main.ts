// TEST-ONLY STAND-IN for the Pulumi azuread resource provider plugin
// (pulumi-resource-azuread 6.9.1). See README.md in this directory.
//
// The engine starts a resource plugin with its own address as the first argument that
// is not a flag (with --logflow it also passes flags such as -v=9 --logtostderr), and
// reads the plugin's gRPC port from the first line of its standard output. Nothing
// else may be written to standard output.

import { StandInProvider } from "./provider";
import { startServer } from "./server";

async function main(argv: string[]): Promise<void> {
    const engineAddress = argv.find((arg) => !arg.startsWith("-"));
    if (!engineAddress) {
        process.stderr.write("azuread stand-in: fatal: missing <engine> address argument\n");
        process.exit(2);
    }
    const { port } = await startServer(new StandInProvider(), process.env);
    process.stdout.write(`${port}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`azuread stand-in: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
