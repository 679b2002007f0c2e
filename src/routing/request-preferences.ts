/**
 * Collects a request's routing preferences: policy, allowed regions and max
 * latency, from the `x-arcnet-*` headers or the `arcnet` body field (a header
 * wins over the body), and the tenant's default policy when the request names
 * none. Invalid values are refused with a 400 naming the header or field.
 * It also applies the API key's restrictions: a model the key may not use is
 * a 403, and the key's allowed regions become a hard routing constraint
 * (auth/key-restrictions.ts).
 */
import * as z from "zod";
import type { ClientIdentity } from "../auth/client-identity.js";
import { assertModelAllowed, keyRegionConstraint } from "../auth/key-restrictions.js";
import { database } from "../db/client.js";
import { tenantDefaultPolicy } from "../db/tenants.js";
import { InvalidRequestError } from "../http/errors.js";
import { quoteValue } from "../http/validation.js";
import type { ArcnetOptions } from "../protocol/openai.js";
import { DEFAULT_POLICY, type RoutingPolicy } from "./policy.js";
import { parsePolicy, parseTenantPolicy } from "./policy-parse.js";
import { assertRegionsCarried } from "./request-targets.js";
import type { RouteContext } from "./router.js";
import { zoneDirectory } from "./zone-directory.js";

/** Header names (lower case). */
export const POLICY_HEADER = "x-arcnet-policy";
export const REGIONS_HEADER = "x-arcnet-regions";
export const MAX_LATENCY_HEADER = "x-arcnet-max-latency-ms";

/** Same limits as the body's arcnet.max_latency_ms: an integer from 1 to 60,000. */
const maxLatencySchema = z.coerce.number().int().positive().max(60_000);
/** Same limits as the body's arcnet.regions: up to 20 tags of 1 to 20 characters. */
const regionsSchema = z.array(z.string().min(1).max(20)).min(1).max(20);

/** The resolved preferences (everything in RouteContext but model, tenant and client location). */
export type RequestPreferences = Pick<
	RouteContext,
	"policy" | "policySource" | "regions" | "maxLatencyMs" | "allowedRegions"
>;

function headerMaxLatency(value: string): number {
	const parsed = maxLatencySchema.safeParse(value.trim() === "" ? Number.NaN : value.trim());
	if (parsed.success) return parsed.data;
	throw new InvalidRequestError(
		`Invalid header ${MAX_LATENCY_HEADER}: got ${quoteValue(value)}; allowed: an integer from 1 to 60000 (ms).`,
		MAX_LATENCY_HEADER,
		"invalid_max_latency",
	);
}

function headerRegions(value: string): string[] {
	const parsed = regionsSchema.safeParse(
		value
			.split(",")
			.map((r) => r.trim().toLowerCase())
			.filter((r) => r.length > 0),
	);
	if (parsed.success) return parsed.data;
	throw new InvalidRequestError(
		`Invalid header ${REGIONS_HEADER}: got ${quoteValue(value)}; allowed: 1 to 20 comma-separated region tags of 1 to 20 characters (e.g. "eu,gb").`,
		REGIONS_HEADER,
		"invalid_regions",
	);
}

async function resolvePolicy(
	env: Env,
	headers: Headers,
	options: ArcnetOptions | undefined,
	tenantId: string,
): Promise<Pick<RequestPreferences, "policy" | "policySource">> {
	const header = headers.get(POLICY_HEADER);
	if (header !== null) {
		const parsed = parsePolicy(header, `header ${POLICY_HEADER}`);
		if (!parsed.ok) throw new InvalidRequestError(parsed.message, POLICY_HEADER, "invalid_policy");
		return { policy: parsed.policy, policySource: "header" };
	}
	if (options?.policy !== undefined) {
		const parsed = parsePolicy(options.policy, "arcnet.policy");
		if (!parsed.ok) throw new InvalidRequestError(parsed.message, "arcnet.policy", "invalid_policy");
		return { policy: parsed.policy, policySource: "body" };
	}
	const tenant: RoutingPolicy | null = parseTenantPolicy(await tenantDefaultPolicy(database(env), tenantId));
	if (tenant) return { policy: tenant, policySource: "tenant" };
	return { policy: DEFAULT_POLICY, policySource: "default" };
}

/**
 * Resolves the routing preferences of a request for `model` by `client` (the
 * `client` request variable). Throws 400 on a bad header or field, 403
 * `model_not_allowed` / `region_not_allowed` when the key forbids the request,
 * and 400 `unknown_region` for regions no zone carries (request-targets.ts).
 */
export async function requestPreferences(
	env: Env,
	headers: Headers,
	options: ArcnetOptions | undefined,
	client: ClientIdentity,
	model: string,
): Promise<RequestPreferences> {
	assertModelAllowed(client, model);
	const maxLatencyHeader = headers.get(MAX_LATENCY_HEADER);
	const regionsHeader = headers.get(REGIONS_HEADER);
	const maxLatencyMs = maxLatencyHeader !== null ? headerMaxLatency(maxLatencyHeader) : options?.max_latency_ms;
	const regions = regionsHeader !== null ? headerRegions(regionsHeader) : options?.regions;
	// The catalogue is the router's own cached directory, so this costs no extra D1 read.
	const { zones } = await zoneDirectory(env);
	if (regions) assertRegionsCarried(regions, zones, regionsHeader !== null ? REGIONS_HEADER : "arcnet.regions");
	const policy = await resolvePolicy(env, headers, options, client.tenantId);
	const keyRegions = client.allowedRegions === null ? {} : keyRegionConstraint(client, regions, zones);
	return {
		...policy,
		...keyRegions,
		...(maxLatencyMs !== undefined ? { maxLatencyMs } : {}),
		...(regions !== undefined && regions.length > 0 ? { regions } : {}),
	};
}
