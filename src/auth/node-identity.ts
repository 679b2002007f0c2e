/**
 * Agent authentication (design decision 5): every agent request carries a
 * short-lived EdDSA JWT signed with the node's enrolled Ed25519 key. The
 * check is explicit about everything jose would otherwise leave open: the
 * algorithm (EdDSA only), audience (ours alone), expiry, not-before, maximum age, clock
 * tolerance, and that `sub` (and `iss`, when present) name the same node as
 * the header's `kid`. Earlier agents send no `iss`, so it stays optional.
 * There is no jti replay check: an agent reuses one token for ~45 s by design
 * (docs/security.md, "JWT rules").
 */
import type { MiddlewareHandler } from "hono";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { database } from "../db/client.js";
import type { AppEnv } from "../http/app-env.js";
import { AuthenticationError, PermissionError } from "../http/errors.js";
import { AGENT_JWT_CLOCK_TOLERANCE_S, AGENT_JWT_MAX_AGE_S, nodeIdSchema } from "../protocol/agent-wire.js";
import { bearerToken } from "./bearer.js";
import { cachedNodeKey } from "./node-key-cache.js";
import { recallVerifiedToken, rememberVerifiedToken } from "./verified-token-cache.js";

/** The node an agent request was signed by. */
export interface AuthenticatedNode {
	nodeId: string;
	zoneId: string;
	/** Where the zone's GeozoneDO is first created (the catalogue's hint). */
	locationHint: string | null;
}

function refuse(reason: string): never {
	throw new AuthenticationError(`Agent token refused: ${reason}.`, "invalid_agent_token");
}

/** True when `aud` is our audience, alone: the string itself or a one-element array of it. */
function audienceIsOnlyOurs(aud: string | string[] | undefined, ours: string): boolean {
	if (typeof aud === "string") return aud === ours;
	return Array.isArray(aud) && aud.length === 1 && aud[0] === ours;
}

/** Verifies an agent JWT against the node's enrolled key; throws 401 (or 403 for a revoked node). */
export async function authenticateNode(env: Env, jwt: string): Promise<AuthenticatedNode> {
	let kid: string | undefined;
	let alg: string | undefined;
	try {
		({ kid, alg } = decodeProtectedHeader(jwt));
	} catch {
		refuse("not a JWT");
	}
	if (alg !== "EdDSA") refuse(`alg must be "EdDSA", got ${JSON.stringify(alg ?? null)}`);
	if (!kid || !nodeIdSchema.safeParse(kid).success) refuse("kid must be the node id");

	const node = await cachedNodeKey(database(env), kid);
	if (!node) refuse(`unknown node ${JSON.stringify(kid)}`);
	if (node.status === "revoked") {
		throw new PermissionError(`Node ${node.id} has been revoked; enroll again with a new token.`, "node_revoked");
	}

	// Revocation and key rotation are checked above and by the key match, on every request; only the signature check is skipped.
	if (recallVerifiedToken(jwt, node.publicKeyJwk) === node.id)
		return { nodeId: node.id, zoneId: node.zoneId, locationHint: node.zoneLocationHint };

	let payloadSub: string | undefined;
	let payloadIss: string | undefined;
	let audienceOk = false;
	try {
		const key = await importJWK(JSON.parse(node.publicKeyJwk), "EdDSA");
		const { payload } = await jwtVerify(jwt, key, {
			algorithms: ["EdDSA"],
			audience: env.AGENT_JWT_AUDIENCE,
			maxTokenAge: AGENT_JWT_MAX_AGE_S,
			clockTolerance: AGENT_JWT_CLOCK_TOLERANCE_S,
			requiredClaims: ["sub", "iat", "exp"],
		});
		payloadSub = payload.sub;
		payloadIss = payload.iss;
		audienceOk = audienceIsOnlyOurs(payload.aud, env.AGENT_JWT_AUDIENCE);
		if (
			audienceOk &&
			payloadSub === kid &&
			(payloadIss === undefined || payloadIss === kid) &&
			payload.iat !== undefined &&
			payload.exp !== undefined
		) {
			rememberVerifiedToken(jwt, { nodeId: kid, publicKeyJwk: node.publicKeyJwk, iat: payload.iat, exp: payload.exp });
		}
	} catch (err) {
		refuse(err instanceof Error ? err.message : "verification failed");
	}
	// jose accepts an aud array that merely contains ours; a token meant for several parties is not ours alone.
	if (!audienceOk) refuse(`aud must be ${JSON.stringify(env.AGENT_JWT_AUDIENCE)}, or an array of exactly that`);
	if (payloadSub !== kid) refuse("sub must equal kid");
	if (payloadIss !== undefined && payloadIss !== kid) refuse("iss must equal kid when present");
	return { nodeId: node.id, zoneId: node.zoneId, locationHint: node.zoneLocationHint };
}

/** Requires a valid agent JWT and records the node for the handler. */
export const requireNode: MiddlewareHandler<AppEnv> = async (c, next) => {
	const jwt = bearerToken(c.req.header("authorization"));
	if (jwt === null) refuse("send `Authorization: Bearer <JWT>` signed with the node key");
	c.set("node", await authenticateNode(c.env, jwt));
	await next();
};
