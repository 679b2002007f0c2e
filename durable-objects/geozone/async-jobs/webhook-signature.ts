/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`. A secret of the form `whsec_<base64>` is used as
 * those decoded bytes (as Standard Webhooks libraries expect); any other
 * secret is used as its UTF-8 bytes. No Workers-only APIs: the agent-side
 * node tests import it too.
 */

/** The key bytes of a client secret. */
export function webhookKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
	if (secret.startsWith("whsec_")) {
		try {
			return Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
		} catch {
			// Not base64 after all: use the text, like any other secret.
		}
	}
	const text = new TextEncoder().encode(secret);
	const bytes = new Uint8Array(new ArrayBuffer(text.length));
	bytes.set(text);
	return bytes;
}

/**
 * The `webhook-signature` header value for one delivery.
 * @example await signWebhook("a-secret-of-16-chars", "msg_job_x", 1700000000, "{}") // "v1,..."
 */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", webhookKeyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
	let binary = "";
	for (const byte of new Uint8Array(mac)) binary += String.fromCharCode(byte);
	return `v1,${btoa(binary)}`;
}
