/** The Hono environment of the edge app: bindings plus per-request variables set by auth middleware. */
import type { ClientIdentity } from "../auth/client-identity.js";
import type { AuthenticatedNode } from "../auth/node-identity.js";
import type { Admission } from "../limits/middleware.js";
import type { CountedUsage } from "../limits/usage.js";
import type { RequestTrace } from "./request-trace.js";

export interface AppEnv {
	Bindings: Env;
	Variables: {
		/** Set by the client API key check. */
		tenantId: string;
		/** Set by the client API key check: the key, its scopes, restrictions and limits. */
		client: ClientIdentity;
		/** Set by an inference handler from the job's done event; the limits middleware settles the key's daily tokens with it. */
		jobUsage: CountedUsage;
		/** Set by an inference handler once its job consumes tokens (output started, or an async job accepted): a client leaving then keeps the reservation charged. */
		jobStarted: boolean;
		/** Set by the limits middleware: the key's admission, decided while the handler validates and routes. */
		admission: Admission;
		/** Set first, for every request: its trace (request-trace.ts). */
		trace: RequestTrace;
		/** Set by the agent JWT check. */
		node: AuthenticatedNode;
	};
}
