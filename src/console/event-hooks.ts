/**
 * Console actions that the event log records: after the admin handler
 * succeeded, one event goes to D1 in waitUntil.
 */
import type { Context } from "hono";
import { recordEvent } from "../db/events.js";
import type { AppEnv } from "../http/app-env.js";

type Handler = (c: Context<AppEnv>) => Promise<Response>;

/** Wraps an admin handler so that a 2xx answer records a node revocation or a zone toggle. */
export function recordAfter(handler: Handler, what: "node_revoked" | "zone_toggled"): Handler {
	return async (c) => {
		const response = await handler(c);
		if (!response.ok) return response;
		const id = c.req.param("id") ?? "";
		if (what === "node_revoked") {
			c.executionCtx.waitUntil(
				recordEvent(c.env, { kind: "node_revoked", nodeId: id, message: `node ${id} revoked from the console` }),
			);
		} else {
			const body = (await response.clone().json()) as { enabled?: unknown };
			const enabled = body.enabled === true;
			c.executionCtx.waitUntil(
				recordEvent(c.env, {
					kind: enabled ? "zone_enabled" : "zone_disabled",
					zoneId: id,
					message: `zone ${id} ${enabled ? "enabled" : "disabled"} from the console`,
				}),
			);
		}
		return response;
	};
}
