// What the project's commands share: `npm run demo`, `doctor`, `fleet`, `bench`,
// `bench:fleet`, `emulator` and `prepare-shell` read their command lines, print their
// tables and progress, and choose stacks through this, one way for all of them.
//
// It lives at the root, beside the commands, and not in lib/: lib/ is the program's own
// logic, free of I/O, that `pulumi up` runs; this is the commands' terminal and the
// Automation API, which the program never loads. The commands import from here, and
// the doctor and the fleet also from cli/project.ts (openProject), kept out of this
// entry because it loads the Automation API, a second's start the emulator and the
// demo need not pay. messageOf (the providers' own, tokens removed) is here too: the
// one way a command turns an error into text.
//
//   const SPEC = { name: "doctor", usage: "npm run doctor -- [--stacks NAME[,NAME…] | --all] [--json]",
//                  options: { ...STACK_OPTIONS, json: { type: "boolean", help: "the report as JSON" } } } as const;
//   export const main = command(SPEC, async ({ values }, io) => { …; return EXIT_OK; });
//   if (require.main === module) runMain(main);

export {
    command,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    helpText,
    parseCommandLine,
    reportUsageError,
    runMain,
    usageLine,
    UsageError,
    wholeNumber,
} from "./command";
export type { CommandBody, CommandLine, CommandSpec, Main, OptionSpec, OptionSpecs, Values } from "./command";
export { messageOf } from "../providers/transport/errors";
export { processIo, writeLine } from "./io";
export type { CommandIo, Writer } from "./io";
export { liveLine, LiveProgress, PlainProgress, progressFor, seconds } from "./progress";
export type { Progress, ProgressOptions, Task } from "./progress";
export { NO_STACKS, selectStacks, shortName, STACK_OPTIONS, stackSelector } from "./stacks";
export type { StackSelector } from "./stacks";
export { formatTable } from "./table";
export type { Alignment, TableOptions } from "./table";
