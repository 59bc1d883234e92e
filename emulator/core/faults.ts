// Fault injection: rules matched by service, method and a regular expression on the
// request target, each applied to every match, to a number of matches, or at random.
import { FaultSeed, ServiceName } from "../seed/types";
import { Random } from "./random";

export interface ActiveFault extends FaultSeed {
    id: string;
    /** Requests it has been applied to so far. */
    applied: number;
}

export class FaultRegistry {
    private readonly faults: Array<ActiveFault & { pattern: RegExp }> = [];
    private nextId = 1;

    constructor(private readonly random: Random) {}

    add(fault: FaultSeed): ActiveFault {
        const active = { ...fault, id: `fault-${this.nextId++}`, applied: 0, pattern: new RegExp(fault.route) };
        this.faults.push(active);
        return this.describe(active);
    }

    remove(id: string): boolean {
        const index = this.faults.findIndex((f) => f.id === id);
        if (index >= 0) this.faults.splice(index, 1);
        return index >= 0;
    }

    clear(): void {
        this.faults.length = 0;
    }

    list(): ActiveFault[] {
        return this.faults.map((f) => this.describe(f));
    }

    /** Faults still to apply, in the seed's schema (counts reduced by what was used). */
    remaining(): FaultSeed[] {
        return this.faults.map(({ id: _id, applied, pattern: _p, ...seed }) => (seed.count !== undefined ? { ...seed, count: seed.count - applied } : seed));
    }

    /**
     * The first fault that applies to this request, if any. A fault whose count is used
     * up is removed; a probabilistic fault that does not fire lets later rules be tried.
     */
    take(service: ServiceName, method: string, target: string): ActiveFault | undefined {
        for (const fault of this.faults) {
            if (fault.service && fault.service !== service) continue;
            if (fault.method && fault.method !== method.toUpperCase()) continue;
            if (!fault.pattern.test(target)) continue;
            if (fault.probability !== undefined && this.random() >= fault.probability) continue;
            fault.applied++;
            if (fault.count !== undefined && fault.applied >= fault.count) this.remove(fault.id);
            return this.describe(fault);
        }
        return undefined;
    }

    private describe(fault: ActiveFault & { pattern: RegExp }): ActiveFault {
        const { pattern: _pattern, ...rest } = fault;
        return { ...rest };
    }
}
