// The live tenant: the seed-shaped state every service reads and changes, plus the
// bits of time-dependent behaviour that are not part of the seed: when a user's
// licences reach Power Platform, and users that BAP has synced but Dataverse does not
// show yet.
import { isDynamicsSku } from "../data/directory";
import { Application, Environment, Group, SystemUser, TenantState, User } from "../seed/types";
import { validateSeed } from "../seed/validate";

/** A principal that can sign in with client credentials: the operator or a seeded application. */
export type SignInApplication = Application;

export type Principal = { kind: "user"; user: User } | { kind: "application"; application: SignInApplication };

export type LicenceState = "unlicensed" | "propagating" | "ready";

interface PendingSync {
    visibleAt: number;
    systemUser: SystemUser;
}

export class Tenant {
    private licenceReadyAt = new Map<string, number>();
    /** When each user's newest licence was assigned (for environments with a propagation delay of their own). */
    private licenceAssignedAt = new Map<string, number>();
    private pendingSyncs = new Map<string, PendingSync[]>();
    /** Requests answered so far, on every origin (deleteAfterRequests counts them). */
    private requestsAnswered = 0;
    /** Seeded environments that do not exist yet (createAfterRequests), in seed order. */
    private notYetCreated: Environment[] = [];
    /** Web API requests per environment and caller (callerProvisionedAfterRequests counts them). */
    private callerRequests = new Map<string, number>();

    constructor(
        public state: TenantState,
        readonly now: () => number = Date.now,
    ) {
        // Licences in the seed count as assigned when the emulator starts.
        for (const user of state.users) if (user.licenses.length > 0) this.licenceAssigned(user.id, state.behaviour.licensePropagationDelayMs);
        this.notYetCreated = state.environments.filter((e) => e.createAfterRequests !== null);
        state.environments = state.environments.filter((e) => e.createAfterRequests === null);
    }

    get tenantId(): string {
        return this.state.tenantId;
    }

    /**
     * Applies a change made behind the services' back (tests use it to simulate another
     * admin). The result must still be a valid seed; otherwise nothing changes and the
     * SeedError is thrown. Newly assigned licences start propagating now.
     */
    mutate(change: (state: TenantState) => void): void {
        this.materialiseAllSyncs();
        const before = structuredClone(this.state);
        change(this.state);
        let next: TenantState;
        try {
            next = validateSeed({ ...this.state, faults: [] });
        } catch (err) {
            this.state = before;
            throw err;
        }
        const previous = new Map(before.users.map((u) => [u.id, new Set(u.licenses)]));
        for (const user of next.users) {
            const had = previous.get(user.id) ?? new Set<string>();
            if (user.licenses.some((l) => !had.has(l))) this.licenceAssigned(user.id, next.behaviour.licensePropagationDelayMs);
        }
        this.state = next;
    }

    /** A deep copy of the current state (synced users that became visible included). */
    snapshot(): TenantState {
        this.materialiseAllSyncs();
        this.expireAssignments();
        return structuredClone(this.state);
    }

    // ---- the clock of time-bound role assignments (Entra PIM) ----

    private clockOffsetMs = 0;

    /** Real time, moved forward by tests (advanceClock) so an assignment's end is observable. */
    clockNow(): number {
        return Date.now() + this.clockOffsetMs;
    }

    advanceClock(ms: number): number {
        this.clockOffsetMs += ms;
        this.expireAssignments();
        return this.clockNow();
    }

    /** A time-bound assignment whose end has passed is gone, from every list, as in Entra. */
    expireAssignments(): void {
        const now = this.clockNow();
        this.state.directoryRoleAssignments = this.state.directoryRoleAssignments.filter((a) => !a.endDateTime || Date.parse(a.endDateTime) > now);
        this.state.roleEligibilitySchedules = this.state.roleEligibilitySchedules.filter((e) => !e.endDateTime || Date.parse(e.endDateTime) > now);
    }

    // ---- directory ----

    applications(): SignInApplication[] {
        const op = this.state.operator;
        return [
            {
                clientId: op.clientId,
                clientSecret: op.clientSecret,
                objectId: op.objectId,
                displayName: op.displayName,
                registeredAdminApplication: op.registeredAdminApplication,
                graphPermissions: op.graphPermissions,
            },
            ...this.state.applications,
        ];
    }

    applicationByClientId(clientId: string): SignInApplication | undefined {
        return this.applications().find((a) => a.clientId === clientId.toLowerCase());
    }

    /** Sets the admin-management-application flag on the operator or a seeded application. */
    setRegisteredAdminApplication(clientId: string, registered: boolean): boolean {
        const id = clientId.toLowerCase();
        if (this.state.operator.clientId === id) {
            this.state.operator.registeredAdminApplication = registered;
            return true;
        }
        const app = this.state.applications.find((a) => a.clientId === id);
        if (app) app.registeredAdminApplication = registered;
        return app !== undefined;
    }

    user(idOrUpn: string): User | undefined {
        const key = idOrUpn.toLowerCase();
        return this.state.users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
    }

    principal(objectId: string): Principal | undefined {
        const id = objectId.toLowerCase();
        const user = this.state.users.find((u) => u.id === id);
        if (user) return { kind: "user", user };
        const application = this.applications().find((a) => a.objectId === id);
        return application ? { kind: "application", application } : undefined;
    }

    group(id: string): Group | undefined {
        return this.state.groups.find((g) => g.id === id.toLowerCase());
    }

    /** The groups the object is a member of, directly or through nested groups (each once, cycles tolerated). */
    groupsContainingTransitively(objectId: string): Group[] {
        const found = new Map<string, Group>();
        const pending = [objectId.toLowerCase()];
        while (pending.length > 0) {
            const member = pending.pop()!;
            for (const group of this.state.groups) {
                if (group.members.includes(member) && !found.has(group.id)) {
                    found.set(group.id, group);
                    pending.push(group.id);
                }
            }
        }
        return [...found.values()];
    }

    holdsDirectoryRole(principalId: string, roleDefinitionIds: readonly string[]): boolean {
        return this.state.directoryRoleAssignments.some((a) => a.principalId === principalId && roleDefinitionIds.includes(a.roleDefinitionId));
    }

    private licenceAssigned(userId: string, delayMs: number): void {
        this.licenceAssignedAt.set(userId, this.now());
        this.licenceReadyAt.set(userId, this.now() + delayMs);
    }

    /**
     * Whether the user holds a Dynamics licence, and whether it has reached Power Platform
     * yet — in the given environment, when that environment has a propagation delay of its own.
     */
    dynamicsLicence(userId: string, environmentId?: string): LicenceState {
        const user = this.user(userId);
        if (!user || !user.licenses.some(isDynamicsSku)) return "unlicensed";
        const ownDelay = environmentId === undefined ? null : (this.environment(environmentId)?.licensePropagationDelayMs ?? null);
        const readyAt = ownDelay === null ? (this.licenceReadyAt.get(user.id) ?? 0) : (this.licenceAssignedAt.get(user.id) ?? 0) + ownDelay;
        return this.now() >= readyAt ? "ready" : "propagating";
    }

    // ---- environments ----

    environment(id: string): Environment | undefined {
        return this.state.environments.find((e) => e.id.toLowerCase() === id.toLowerCase());
    }

    /**
     * Deletes an environment: BAP no longer lists it and answers 404 for it, its Dataverse
     * host refuses every request. False when there is no such environment.
     */
    deleteEnvironment(id: string): boolean {
        const env = this.environment(id);
        if (!env) return false;
        this.state.environments = this.state.environments.filter((e) => e !== env);
        this.pendingSyncs.delete(env.id);
        return true;
    }

    /**
     * Makes a seeded environment that does not exist yet (createAfterRequests) exist now,
     * as if it had just been created. False when no such environment is waiting.
     */
    createEnvironment(id: string): boolean {
        const env = this.notYetCreated.find((e) => e.id.toLowerCase() === id.toLowerCase());
        if (!env) return false;
        this.notYetCreated = this.notYetCreated.filter((e) => e !== env);
        this.state.environments.push(env);
        return true;
    }

    /** Counts one answered request; environments whose createAfterRequests is reached appear, those whose deleteAfterRequests is reached are deleted. */
    noteRequestAnswered(): void {
        this.requestsAnswered += 1;
        for (const env of this.notYetCreated) {
            if (env.createAfterRequests !== null && this.requestsAnswered >= env.createAfterRequests) this.createEnvironment(env.id);
        }
        for (const env of this.state.environments) {
            if (env.deleteAfterRequests !== null && this.requestsAnswered >= env.deleteAfterRequests) this.deleteEnvironment(env.id);
        }
    }

    /** Counts a caller's Web API request to an environment; the answer is its number (1 for the first). */
    countCallerRequest(environmentId: string, objectId: string): number {
        const key = `${environmentId.toLowerCase()}|${objectId}`;
        const count = (this.callerRequests.get(key) ?? 0) + 1;
        this.callerRequests.set(key, count);
        return count;
    }

    /** The environment's system users as Dataverse shows them now. */
    systemUsers(environmentId: string): SystemUser[] {
        const env = this.environment(environmentId);
        if (!env) return [];
        this.materialiseSyncs(env);
        return env.systemUsers;
    }

    /** Schedules a system user to appear in Dataverse after the sync delay (BAP addUser). */
    scheduleSync(environmentId: string, systemUser: SystemUser, delayMs: number): void {
        const env = this.environment(environmentId);
        if (!env) return;
        const queue = (this.pendingSyncs.get(env.id) ?? []).filter(
            (p) => p.systemUser.azureActiveDirectoryObjectId !== systemUser.azureActiveDirectoryObjectId,
        );
        queue.push({ visibleAt: this.now() + delayMs, systemUser });
        this.pendingSyncs.set(env.id, queue);
        this.materialiseSyncs(env);
    }

    isSyncPending(environmentId: string, objectId: string): boolean {
        const env = this.environment(environmentId);
        return (env && this.pendingSyncs.get(env.id)?.some((p) => p.systemUser.azureActiveDirectoryObjectId === objectId)) ?? false;
    }

    private materialiseAllSyncs(): void {
        for (const env of this.state.environments) this.materialiseSyncs(env);
    }

    private materialiseSyncs(env: Environment): void {
        const queue = this.pendingSyncs.get(env.id);
        if (!queue) return;
        const now = this.now();
        const due = queue.filter((p) => p.visibleAt <= now);
        for (const { systemUser } of due) {
            if (!env.systemUsers.some((s) => s.azureActiveDirectoryObjectId === systemUser.azureActiveDirectoryObjectId)) env.systemUsers.push(systemUser);
        }
        const left = queue.filter((p) => p.visibleAt > now);
        if (left.length > 0) this.pendingSyncs.set(env.id, left);
        else this.pendingSyncs.delete(env.id);
    }
}
