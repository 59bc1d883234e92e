// The configured provider: settings, endpoints and a signed-in Graph client, plus the
// resource types and functions it serves.
//
// Like the real provider, Configure resolves the cloud's endpoints and signs in at
// once, so bad credentials or endpoints fail before any resource is touched. Unlike it,
// only the tenant emulator's (loopback) endpoints are accepted.

import { loopbackCloud } from "./cloud";
import { configReader, Environment, resolveSettings } from "./config";
import { directoryRoleAssignment } from "./directory-role-assignment";
import { getUser } from "./get-user";
import { signInCredential, createGraphClient, DEFAULT_RETRIES, GraphClient } from "./graph";
import { groupMember } from "./group-member";
import { Props } from "./properties";
import { FunctionType, OperationContext, ResourceType } from "./types";

/** The real provider's default timeout for create, read and delete. */
const DEFAULT_TIMEOUT_SECONDS = 5 * 60;

export const RESOURCE_TYPES: ReadonlyMap<string, ResourceType> = new Map([directoryRoleAssignment, groupMember].map((t) => [t.token, t]));
export const FUNCTIONS: ReadonlyMap<string, FunctionType> = new Map([getUser].map((f) => [f.token, f]));

export class StandInProvider {
    private graph?: Promise<GraphClient>;
    /** Kept only to take it out of any message that might quote it. */
    private secret?: string;

    /** Starts configuring; the returned promise settles when signed in. */
    configure(args: Props, variables: ReadonlyMap<string, string>, env: Environment): Promise<void> {
        this.graph = (async () => {
            const settings = resolveSettings(configReader(args, variables), env);
            this.secret = settings.clientSecret;
            // The emulator's endpoints only: a built-in (public) cloud or any other host is refused here.
            const cloud = await loopbackCloud(settings, { ...DEFAULT_RETRIES, deadline: Date.now() + 60_000 });
            const credential = signInCredential(settings, cloud);
            try {
                await credential.getToken(cloud.graphScope);
            } catch (error) {
                throw new Error(
                    `building client: unable to obtain a token for ${cloud.graphScope} from ${cloud.loginEndpoint} ` +
                        `(tenant ${settings.tenantId}, ${settings.method === "azureCli" ? "the Azure CLI's signed-in user" : `client ${settings.clientId}`}): ${(error as Error).message}`,
                );
            }
            return createGraphClient(cloud, credential);
        })();
        // Callers that never await still must not crash the process on a rejection.
        this.graph.catch(() => undefined);
        return this.graph.then(() => undefined);
    }

    /** The context of one operation; timeoutSeconds 0 means the provider's default. */
    async context(timeoutSeconds: number): Promise<OperationContext> {
        if (!this.graph) throw new Error("the azuread provider is not configured yet");
        const graph = await this.graph;
        return { graph, deadline: Date.now() + (timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_TIMEOUT_SECONDS) * 1000 };
    }

    /** A message with the client secret, should any layer quote it, replaced. */
    redact(message: string): string {
        return this.secret ? message.split(this.secret).join("[secret]") : message;
    }
}
