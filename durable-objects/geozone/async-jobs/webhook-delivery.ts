/**
 * One webhook delivery attempt and the retry schedule after it. Pure (the
 * fetch is injected), so the schedule is unit-tested without a zone. The
 * message id is stable across retries (`msg_<jobId>`) so receivers can
 * drop duplicates: delivery is at least once.
 */

import { type LogFields, log } from "../../../src/protocol/log-line.js";
import { signWebhook } from "./webhook-signature.js";

/** Delay before the first retry; each further retry doubles it. */
export const WEBHOOK_RETRY_BASE_MS = 2_000;
/** Longest wait between two attempts. */
export const WEBHOOK_RETRY_MAX_MS = 15 * 60_000;
/** How long one delivery may take before it counts as failed. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** What to deliver: the URL, the optional secret (never logged) and the job object's JSON. */
export interface WebhookMessage {
	jobId: string;
	url: string;
	secret: string | null;
	body: string;
	/** The ids its log lines carry (zone, tenant, trace). */
	logFields?: LogFields;
}

/** Posts the message once; true on a 2xx answer. Never throws. */
export async function deliverOnce(
	message: WebhookMessage,
	nowMs: number,
	fetcher: (url: string, init: RequestInit) => Promise<Response> = fetch,
): Promise<boolean> {
	const id = `msg_${message.jobId}`;
	const timestamp = Math.floor(nowMs / 1000);
	const headers: Record<string, string> = {
		"content-type": "application/json",
		"webhook-id": id,
		"webhook-timestamp": String(timestamp),
	};
	if (message.secret !== null)
		headers["webhook-signature"] = await signWebhook(message.secret, id, timestamp, message.body);
	try {
		const res = await fetcher(message.url, {
			method: "POST",
			headers,
			body: message.body,
			redirect: "manual",
			signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
		});
		await res.body?.cancel();
		return res.status >= 200 && res.status < 300;
	} catch (error) {
		// The URL is the client's and safe to log; the secret and signature never are.
		log("warn", "webhook_attempt_failed", { ...message.logFields, webhook: id, job: message.jobId, error });
		return false;
	}
}

/** The webhook's state after attempt number `attempts` (1-based): delivered, failed for good, or retried at `nextAt`. */
export function afterAttempt(
	ok: boolean,
	attempts: number,
	maxAttempts: number,
	nowMs: number,
): { status: "delivered" | "failed" | "pending"; nextAt: number | null } {
	if (ok) return { status: "delivered", nextAt: null };
	if (attempts >= maxAttempts) return { status: "failed", nextAt: null };
	const delay = Math.min(WEBHOOK_RETRY_BASE_MS * 2 ** (attempts - 1), WEBHOOK_RETRY_MAX_MS);
	return { status: "pending", nextAt: nowMs + delay };
}
