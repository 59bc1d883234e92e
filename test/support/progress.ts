// Drives a progress printer (cli/progress.ts) the way a command does, for the tests of the
// printer itself and of the printers built on it (the fleet's).

import type { Progress, Task } from "../../cli/progress";

/**
 * One task's whole life: it starts, `moveOn` changes it (its phase, its counts) and the printer is
 * told, it ends with the line "<name>: ok in <elapsed>", and the printer closes.
 */
export function runThrough<T extends Task>(progress: Progress<T>, task: T, moveOn: (task: T) => void): void {
    progress.started(task);
    moveOn(task);
    progress.phase(task);
    progress.finished(task, `${task.name}: ok in ${progress.elapsed(task)}`);
    progress.close();
}
