// TimeBoundRoleAssignment: a directory role the account holds for a few hours only,
// through Entra PIM (an active assignment with an end), so a forgotten or failed
// follow-up cannot leave it in place.
//
// Type pulumi-nodejs:dynamic/entra:TimeBoundRoleAssignment
//
//   check   validates the ids, elevationHours (1–24) and the justification
//   diff    any input change asks for a new elevation: delete first (PIM refuses a
//           second active assignment of the same role), then create
//   create  adopt what the account holds already: a time-bound assignment as it is, a
//           permanent one is given the end (adminUpdate); otherwise adminAssign for
//           elevationHours; a concurrent grant (RoleAssignmentExists) is adopted
//   read    while active: its end; once it is not active any more (it expired, was
//           removed, or the active one is another assignment): status "ended", with
//           the id kept — an ended elevation is not drift, so `pulumi up --refresh`
//           never grants Global Administrator again by itself. A new elevation is
//           asked for on purpose: a new justification
//           (d365-backup-access:elevationJustification), or `pulumi up --replace <urn>`
//   update  nothing to call: it only rewrites state written by an earlier version
//   delete  ends its own assignment only (adminRemove), whatever its origin: Global
//           Administrator is given back even when adopted. Its own = the PIM schedule
//           id recorded at create (state without one: the same start, both known). An
//           active assignment that is another one (granted after this one ended), or
//           one the state cannot prove to be its own (no schedule id, and a start
//           missing on either side), is left in place, and the log says so with the
//           fix; nothing active any more counts as done.
//           Why not end it when in doubt: "whatever its origin" is about how the stack
//           came to hold its elevation (granted or adopted), not about which assignment
//           it holds. Ending an assignment it cannot prove to be its own could end
//           someone else's later grant; leaving it costs little, since the stack's own
//           elevation always has an end and PIM ends it by itself then.

import * as pulumi from "@pulumi/pulumi";

import {
    ActiveRoleSchedule,
    findActiveRoleSchedule,
    MAX_ELEVATION_HOURS,
    MAX_JUSTIFICATION_LENGTH,
    MIN_ELEVATION_HOURS,
    requestRoleSchedule,
} from "../clients/pim";
import { HostedResource, hostedProvider, isLegacyProviderText } from "../hosting/hosted-provider";
import { changedProperties, CheckFailure, checkGuid, definedOnly, keptOutputs, UNKNOWN } from "../hosting/inputs";
import { ProviderKey } from "../hosting/provider-runtime";
import { ClientContext } from "../transport/context";
import { accessError } from "../transport/errors";

export const TIME_BOUND_ROLE_ASSIGNMENT_MODULE = "entra";
export const TIME_BOUND_ROLE_ASSIGNMENT_TYPE = "TimeBoundRoleAssignment" as const;

export { MAX_ELEVATION_HOURS, MAX_JUSTIFICATION_LENGTH, MIN_ELEVATION_HOURS };

export type ElevationStatus = "active" | "ended";

export interface TimeBoundRoleAssignmentInputs {
    /** The role's template id (= roleDefinitionId for built-in roles). */
    readonly roleId: string;
    readonly principalObjectId: string;
    /** Tenant-wide: "/". */
    readonly directoryScopeId: string;
    readonly elevationHours: number;
    readonly justification: string;
}

export interface TimeBoundRoleAssignmentOutputs extends TimeBoundRoleAssignmentInputs {
    /** When the role became active (ISO 8601, UTC). */
    readonly startDateTime: string;
    /** When it ends by itself (ISO 8601, UTC). */
    readonly endDateTime: string;
    readonly status: ElevationStatus;
    /** How this elevation came about: granted by this resource, or adopted from the tenant. */
    readonly origin: "granted" | "adopted" | "made-time-bound";
    /** PIM's id of the assignment schedule this resource holds (absent in state written before it was recorded). */
    readonly scheduleId?: string;
}

const REPLACE_ON = ["roleId", "principalObjectId", "directoryScopeId", "elevationHours", "justification"] as const;

export function checkElevationHours(value: unknown): string | undefined {
    if (value === UNKNOWN) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < MIN_ELEVATION_HOURS || value > MAX_ELEVATION_HOURS) {
        return `elevationHours must be a whole number of hours from ${MIN_ELEVATION_HOURS} to ${MAX_ELEVATION_HOURS}; got ${JSON.stringify(value ?? null)}.`;
    }
    return undefined;
}

export function checkJustification(value: unknown): string | undefined {
    if (value === UNKNOWN) return undefined;
    if (typeof value !== "string" || value.trim() === "")
        return `justification must be a non-empty text (PIM requires one); got ${JSON.stringify(value ?? null)}.`;
    if (value.trim().length > MAX_JUSTIFICATION_LENGTH) {
        return `justification is ${value.trim().length} characters long; PIM accepts at most ${MAX_JUSTIFICATION_LENGTH}.`;
    }
    return undefined;
}

function checkInputs(news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
    const failures: CheckFailure[] = [];
    const roleId = checkGuid(news, "roleId", failures, "a directory role template id");
    const principalObjectId = checkGuid(news, "principalObjectId", failures, "the account's Entra object id");
    const directoryScopeId = news.directoryScopeId ?? "/";
    if (directoryScopeId !== "/" && directoryScopeId !== UNKNOWN) {
        failures.push({ property: "directoryScopeId", reason: `directoryScopeId must be "/" (the whole directory); got ${JSON.stringify(directoryScopeId)}.` });
    }
    for (const [property, problem] of [
        ["elevationHours", checkElevationHours(news.elevationHours)],
        ["justification", checkJustification(news.justification)],
    ] as const) {
        if (problem) failures.push({ property, reason: problem });
    }
    return {
        inputs: definedOnly({
            roleId: roleId ?? news.roleId,
            principalObjectId: principalObjectId ?? news.principalObjectId,
            directoryScopeId,
            elevationHours: news.elevationHours,
            justification: typeof news.justification === "string" ? news.justification.trim() : news.justification,
        }),
        failures,
    };
}

function toInputs(values: Record<string, unknown>): TimeBoundRoleAssignmentInputs {
    return {
        roleId: String(values.roleId).toLowerCase(),
        principalObjectId: String(values.principalObjectId).toLowerCase(),
        directoryScopeId: "/",
        elevationHours: Number(values.elevationHours),
        justification: String(values.justification),
    };
}

function outputsFor(
    inputs: TimeBoundRoleAssignmentInputs,
    active: ActiveRoleSchedule,
    origin: TimeBoundRoleAssignmentOutputs["origin"],
): TimeBoundRoleAssignmentOutputs {
    return { ...inputs, startDateTime: active.startDateTime ?? "", endDateTime: active.endDateTime ?? "", status: "active", origin, scheduleId: active.id };
}

async function requireActive(ctx: ClientContext, inputs: TimeBoundRoleAssignmentInputs, after: string): Promise<ActiveRoleSchedule> {
    const active = await findActiveRoleSchedule(ctx, inputs.principalObjectId, inputs.roleId);
    if (!active?.endDateTime) {
        throw accessError("api", {
            what: `PIM accepted ${after} for ${inputs.principalObjectId}, but no time-bound assignment of role ${inputs.roleId} is active`,
            fix: "run `pulumi up` again; if it persists, check the role's assignments in Entra admin center → Privileged Identity Management.",
        });
    }
    return active;
}

/** Grants the role for elevationHours, or adopts what the account holds (see the header). */
export async function ensureTimeBoundAssignment(ctx: ClientContext, inputs: TimeBoundRoleAssignmentInputs): Promise<TimeBoundRoleAssignmentOutputs> {
    const who = inputs.principalObjectId;
    const existing = await findActiveRoleSchedule(ctx, who, inputs.roleId);
    if (existing?.endDateTime) {
        ctx.log(`${who} already holds role ${inputs.roleId} until ${existing.endDateTime} (time-bound); adopting it.`);
        return outputsFor(inputs, existing, "adopted");
    }
    if (existing) {
        ctx.log(`${who} holds role ${inputs.roleId} permanently; making it end in ${inputs.elevationHours} h (PIM adminUpdate).`);
        const outcome = await requestRoleSchedule(ctx, {
            action: "adminUpdate",
            principalId: who,
            roleId: inputs.roleId,
            justification: inputs.justification,
            hours: inputs.elevationHours,
        });
        if (outcome === "done") return outputsFor(inputs, await requireActive(ctx, inputs, "adminUpdate"), "made-time-bound");
        // It was removed meanwhile: grant it afresh below.
    }
    const outcome = await requestRoleSchedule(ctx, {
        action: "adminAssign",
        principalId: who,
        roleId: inputs.roleId,
        justification: inputs.justification,
        hours: inputs.elevationHours,
    });
    if (outcome === "already-exists") {
        // Granted by someone else between our read and our request.
        const now = await requireActive(ctx, inputs, "nothing (the role assignment already exists)");
        return outputsFor(inputs, now, "adopted");
    }
    const granted = await requireActive(ctx, inputs, "adminAssign");
    ctx.log(`${who} holds role ${inputs.roleId} until ${granted.endDateTime} (PIM, ${inputs.elevationHours} h).`);
    return outputsFor(inputs, granted, "granted");
}

/** The elevation as it is now: active with its end, or ended (never gone: see the header). */
export async function readTimeBoundAssignment(ctx: ClientContext, stored: TimeBoundRoleAssignmentOutputs): Promise<TimeBoundRoleAssignmentOutputs> {
    const active = await findActiveRoleSchedule(ctx, stored.principalObjectId, stored.roleId);
    // Another assignment of the same role (granted after this one ended) is not this elevation.
    if (!active || !isOwnAssignment(stored, active)) return { ...stored, status: "ended" };
    return { ...stored, startDateTime: active.startDateTime ?? stored.startDateTime, endDateTime: active.endDateTime ?? "", status: "active" };
}

/**
 * Whether the active assignment is the one this resource holds (see the header): "own",
 * "another", or "unproven" when state written before schedule ids were recorded lacks a
 * start to compare (or PIM reports none).
 */
export function assignmentOwnership(stored: TimeBoundRoleAssignmentOutputs, active: ActiveRoleSchedule): "own" | "another" | "unproven" {
    if (stored.scheduleId) return active.id === stored.scheduleId ? "own" : "another";
    const storedStart = stored.startDateTime ? Date.parse(stored.startDateTime) : NaN;
    const activeStart = active.startDateTime ? Date.parse(active.startDateTime) : NaN;
    if (Number.isNaN(storedStart) || Number.isNaN(activeStart)) return "unproven";
    return storedStart === activeStart ? "own" : "another";
}

/** True only when the active assignment is provably the one this resource holds. */
export function isOwnAssignment(stored: TimeBoundRoleAssignmentOutputs, active: ActiveRoleSchedule): boolean {
    return assignmentOwnership(stored, active) === "own";
}

/** Ends the elevation now, if the active one is still this resource's; nothing active any more counts as done. */
export async function removeTimeBoundAssignment(ctx: ClientContext, stored: TimeBoundRoleAssignmentOutputs): Promise<void> {
    const who = stored.principalObjectId;
    const active = await findActiveRoleSchedule(ctx, who, stored.roleId);
    if (!active) {
        ctx.log(`${who} no longer held role ${stored.roleId}; nothing to remove.`);
        return;
    }
    const ownership = assignmentOwnership(stored, active);
    if (ownership !== "own") {
        const held = `schedule ${active.id}, from ${active.startDateTime ?? "an unknown start"}${active.endDateTime ? ` until ${active.endDateTime}` : ", permanent"}`;
        ctx.log(
            ownership === "another"
                ? `${who} holds role ${stored.roleId} through another assignment (${held}), ` +
                      `granted after this stack's own ended; it is left in place: end it in Entra admin center → Privileged Identity Management if it should go.`
                : `${who} holds role ${stored.roleId} through an assignment (${held}) that this stack's state cannot prove to be its own ` +
                      `(written by an older version, it records no PIM schedule id, and a start time to compare is missing); it is left in place. ` +
                      (active.endDateTime
                          ? `If it is the stack's, PIM ends it by itself at ${active.endDateTime}; `
                          : "It is permanent, so not the stack's time-bound elevation; ") +
                      `end it in Entra admin center → Privileged Identity Management if it should go now.`,
        );
        return;
    }
    const outcome = await requestRoleSchedule(ctx, { action: "adminRemove", principalId: who, roleId: stored.roleId, justification: stored.justification });
    ctx.log(
        outcome === "does-not-exist"
            ? `${who} no longer held role ${stored.roleId}; nothing to remove.`
            : `${who} no longer holds role ${stored.roleId} (PIM adminRemove).`,
    );
}

export function timeBoundRoleAssignmentProvider(key: ProviderKey = {}): pulumi.dynamic.ResourceProvider {
    return hostedProvider(key, {
        check: checkInputs,
        diff(olds, news) {
            const replaces = changedProperties(olds, news, REPLACE_ON);
            // deleteBeforeReplace: PIM holds one active assignment per principal, role and scope.
            return { changes: replaces.length > 0 || isLegacyProviderText(olds.__provider), replaces, deleteBeforeReplace: true };
        },
        async update(_context, olds) {
            return { outs: keptOutputs(olds) };
        },
        async create(context, inputs) {
            const outs = await ensureTimeBoundAssignment(await context(), toInputs(inputs));
            return { id: `${outs.roleId}/${outs.principalObjectId}/${outs.startDateTime}`, outs };
        },
        async read(context, id, props) {
            return { id, props: { ...(await readTimeBoundAssignment(await context(), props as unknown as TimeBoundRoleAssignmentOutputs)) } };
        },
        async delete(context, props) {
            await removeTimeBoundAssignment(await context(), props as unknown as TimeBoundRoleAssignmentOutputs);
        },
    });
}

export interface TimeBoundRoleAssignmentArgs {
    readonly roleId: pulumi.Input<string>;
    readonly principalObjectId: pulumi.Input<string>;
    readonly elevationHours: pulumi.Input<number>;
    readonly justification: pulumi.Input<string>;
}

/** The resource as a program sees it: when the elevation ends, and whether it is still active. */
export class TimeBoundRoleAssignment extends HostedResource {
    declare public readonly endDateTime: pulumi.Output<string>;
    declare public readonly status: pulumi.Output<ElevationStatus>;

    constructor(name: string, args: TimeBoundRoleAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            TIME_BOUND_ROLE_ASSIGNMENT_MODULE,
            TIME_BOUND_ROLE_ASSIGNMENT_TYPE,
            name,
            {
                roleId: args.roleId,
                principalObjectId: args.principalObjectId,
                directoryScopeId: "/",
                elevationHours: args.elevationHours,
                justification: args.justification,
                endDateTime: undefined,
                status: undefined,
            },
            // deleteBeforeReplace also on the engine's side, for `pulumi up --replace`.
            { deleteBeforeReplace: true, ...opts },
        );
    }
}
