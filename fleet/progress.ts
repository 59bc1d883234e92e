// A tenant's progress as the fleet shows it, through the commands' one progress printer
// (cli/progress.ts): its live line on a terminal counts the resources the engine has
// finished with, and those that change.

import { Progress, progressFor, Task, Writer } from "../cli";

export interface Activity extends Task {
    /** Resources the engine has finished with. */
    done: number;
    /** Of those, resources with an operation other than "same". */
    changing: number;
}

function count(n: number, noun: string): string {
    return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** "3 resources done, 1 changing": what a tenant's live line adds after its elapsed time. */
export function resourcesDone(activity: Activity): string {
    return `${count(activity.done, "resource")} done, ${activity.changing} changing`;
}

export function fleetProgress(out: Writer, options: { now?: () => number; intervalMs?: number } = {}): Progress<Activity> {
    return progressFor<Activity>(out, { ...options, detail: resourcesDone });
}
