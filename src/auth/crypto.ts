/**
 * Small crypto helpers the edge needs: constant-time comparison of secrets,
 * SHA-256 hex (only hashes of enrollment tokens are stored), and random ids.
 */

const encoder = new TextEncoder();
const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM_MIXED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** True when `a` equals `b`, in time that does not depend on where they differ. */
export function timingSafeEqualStrings(a: string, b: string): boolean {
	const left = encoder.encode(a);
	const right = encoder.encode(b);
	// Compare against itself on a length mismatch so the work done stays the same.
	if (left.byteLength !== right.byteLength) {
		crypto.subtle.timingSafeEqual(left, left);
		return false;
	}
	return crypto.subtle.timingSafeEqual(left, right);
}

/** Lowercase hex SHA-256 of a UTF-8 string. */
export async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `length` random characters from `alphabet`, without modulo bias. */
function randomString(length: number, alphabet: string): string {
	const out: string[] = [];
	const limit = 256 - (256 % alphabet.length);
	while (out.length < length) {
		for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
			if (byte < limit && out.length < length) out.push(alphabet[byte % alphabet.length] ?? "");
		}
	}
	return out.join("");
}

/** `prefix` + 24 random lowercase alphanumerics, e.g. `job_k3…`. */
export function randomId(prefix: string): string {
	return `${prefix}${randomString(24, ALNUM)}`;
}

/** A bearer secret: `prefix` + 32 random mixed-case alphanumerics (~190 bits). */
export function randomSecret(prefix: string): string {
	return `${prefix}${randomString(32, ALNUM_MIXED)}`;
}
