/**
 * The node's identity: its Ed25519 key pair and what enrollment assigned
 * (node id, zone, JWT audience), kept in `<stateDir>/identity.json`. The private
 * key never leaves this file, so it is written with mode 0600 in a 0700 dir.
 */
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { ed25519PublicJwkSchema, nodeIdSchema, zoneIdSchema } from "../../src/protocol/agent-wire.js";
import * as z from "../../src/protocol/zod-mini.js";
import { fs } from "./builtins.js";

const { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = fs;

const privateJwkSchema = z.extend(ed25519PublicJwkSchema, {
	d: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, "43 base64url characters (32 bytes)")),
});
export type Ed25519PrivateJwk = z.infer<typeof privateJwkSchema>;

export const identitySchema = z.object({
	nodeId: nodeIdSchema,
	zoneId: zoneIdSchema,
	audience: z.string().check(z.minLength(1)),
	/** The edge this identity was enrolled with. */
	edgeUrl: z.url(),
	publicJwk: ed25519PublicJwkSchema,
	privateJwk: privateJwkSchema,
	enrolledAt: z.string(),
	/** ISO time of the last `rotate-key`; absent while the enrollment key is in use. */
	keyRotatedAt: z.optional(z.string()),
});
export type Identity = z.infer<typeof identitySchema>;

/** Path of the identity file inside a state directory. */
export function identityPath(stateDir: string): string {
	return join(stateDir, "identity.json");
}

/** Generates a fresh Ed25519 key pair as JWKs. */
export function generateKeyPair(): { publicJwk: Identity["publicJwk"]; privateJwk: Ed25519PrivateJwk } {
	const { privateKey } = generateKeyPairSync("ed25519");
	const jwk = privateKeyToJwk(privateKey.export({ format: "jwk" }));
	return { publicJwk: { kty: "OKP", crv: "Ed25519", x: jwk.x }, privateJwk: jwk };
}

function privateKeyToJwk(raw: unknown): Ed25519PrivateJwk {
	return privateJwkSchema.parse(raw);
}

/** Writes the identity atomically (temp file + rename), mode 0600, in a directory of mode 0700. */
export function saveIdentity(stateDir: string, identity: Identity): string {
	mkdirSync(stateDir, { recursive: true, mode: 0o700 });
	chmodSync(stateDir, 0o700);
	const path = identityPath(stateDir);
	const tmp = `${path}.${process.pid}.tmp`;
	writeFileSync(tmp, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
	chmodSync(tmp, 0o600);
	renameSync(tmp, path);
	return path;
}

/**
 * Proves that saveIdentity will succeed: creates the state directory (0700)
 * if needed and writes and removes a file in it. Run before enrolling, which
 * uses up the one-time token: a write that fails after it leaves an active
 * node with no key anywhere. Throws naming the directory and how to fix it.
 */
export function assertStateDirWritable(stateDir: string): void {
	const probe = join(stateDir, `.identity-write-test.${process.pid}.tmp`);
	try {
		mkdirSync(stateDir, { recursive: true, mode: 0o700 });
		chmodSync(stateDir, 0o700);
		writeFileSync(probe, "", { mode: 0o600 });
		rmSync(probe);
	} catch (err) {
		const reason = err instanceof Error ? err.message : String(err);
		throw new Error(
			`stateDir: cannot write identity.json in ${JSON.stringify(stateDir)} (${reason}); expected a directory the agent's user owns or can create, e.g. install -d -o arcnet -g arcnet -m 0700 ${stateDir}. Nothing was sent to the edge; the token is unused.`,
		);
	}
}

/** True when the state directory already holds an identity. */
export function hasIdentity(stateDir: string): boolean {
	return existsSync(identityPath(stateDir));
}

/** Loads and validates the identity; the error says how to enroll when there is none. */
export function loadIdentity(stateDir: string): Identity {
	const path = identityPath(stateDir);
	let raw: string;
	try {
		raw = readFileSync(path, "utf8");
	} catch {
		throw new Error(`no identity at ${path}: run \`arcnet-agent enroll --token <token>\` first`);
	}
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch (err) {
		throw new Error(`${path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
	}
	const parsed = identitySchema.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new Error(`${path}: ${issue?.path.join(".") || "identity"}: ${issue?.message ?? "invalid"}`);
	}
	return parsed.data;
}
