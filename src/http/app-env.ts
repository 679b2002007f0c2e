/** The Hono environment of the edge app: bindings plus per-request variables set by auth middleware. */
import type { AuthenticatedNode } from "../auth/node-identity.js";

export interface AppEnv {
	Bindings: Env;
	Variables: {
		/** Set by the client API key check. */
		tenantId: string;
		/** Set by the agent JWT check. */
		node: AuthenticatedNode;
	};
}
