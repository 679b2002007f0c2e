/**
 * Per-endpoint routing defaults. Embeddings are short and tolerate latency,
 * so where neither the request nor the tenant chose a policy they follow
 * `carbon` rather than the edge's default.
 */
import type { Endpoint } from "../protocol/chat-request.js";
import { parsePolicy } from "../routing/policy-parse.js";
import type { RequestPreferences } from "../routing/request-preferences.js";

/** The preferences with the endpoint's default policy where only the edge's default applied. */
export function endpointPolicy(endpoint: Endpoint, preferences: RequestPreferences): RequestPreferences {
	if (endpoint !== "embeddings" || preferences.policySource !== "default") return preferences;
	const carbon = parsePolicy("carbon", "embeddings default");
	return carbon.ok ? { ...preferences, policy: carbon.policy } : preferences;
}
