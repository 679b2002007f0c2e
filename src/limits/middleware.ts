/**
 * Per-key limits on a client route: admits the request with the key's
 * KeyLimiterDO before the handler runs (429 + Retry-After when a limit
 * refuses it), and finishes it after the response: for SSE when the stream
 * ends or the client goes away, otherwise once the handler's body is ready.
 * The real usage comes from the `jobUsage` request variable that the handler
 * sets from the job's done event; with none (the client left mid-stream, an
 * async job still queued) the reservation stays charged, unless the job never
 * started (`jobStarted`): an SSE body that ended before any output is refunded. A response with an
 * error status produced no output and is charged nothing. A client that
 * leaves before the response (request.signal, compatibility flag
 * enable_request_signal) releases its permit at once, and its reservation is
 * refunded unless its job had started (`jobStarted`).
 */
import type { Context, MiddlewareHandler } from "hono";
import {
	type AdmitResult,
	type CapacityReason,
	capacityReasons,
	type FinishResult,
} from "../../durable-objects/key-limiter/contract.js";
import type { AppEnv } from "../http/app-env.js";
import { log } from "../protocol/log-line.js";
import { estimateRequestTokens } from "./estimate.js";
import { limitError, rateHeaders } from "./limit-errors.js";
import { defaultLimits, limiterKeyId, resolveLimits } from "./resolve.js";
import { chargedTokens, endpointOfPath } from "./usage.js";

/** The KeyLimiterDO stub of a key ("dev" for the bootstrap dev key). */
export function keyLimiterStub(env: Env, keyId: string) {
	return env.KEY_LIMITER.get(env.KEY_LIMITER.idFromName(keyId));
}

/** Wraps a body so that `onEnd` runs once when it is fully read or cancelled by the client. */
function onBodyEnd(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
	const reader = body.getReader();
	let ended = false;
	const end = () => {
		if (ended) return;
		ended = true;
		onEnd();
	};
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				const next = await reader.read();
				if (next.done) {
					end();
					controller.close();
				} else controller.enqueue(next.value);
			} catch (error) {
				end();
				controller.error(error);
			}
		},
		async cancel(reason) {
			end();
			await reader.cancel(reason);
		},
	});
}

/** What the limiter decided for a request: admitted (with its permit), refused, or not asked (it failed: fail open). */
export type AdmissionResult = AdmitResult | { admitted: "unchecked" };

/**
 * The key's admission of a request, asked for when the request arrives and
 * awaited by the handler right before it records or submits anything, so the
 * limiter's round trip overlaps the handler's validation and routing.
 */
export interface Admission {
	/** Resolves when admitted (or the limiter failed open); throws the 429 when a limit refuses the request. */
	required(): Promise<void>;
}

/** Waits for the request's admission; call before a handler records or submits anything. */
export async function requireAdmission(c: Context<AppEnv>): Promise<void> {
	await c.get("admission").required();
}

/**
 * Asks for admission when the request arrives, lets the handler await it
 * (requireAdmission) and finishes after the response; export for any route
 * that runs inference (POST /v1/chat/completions, /v1/completions,
 * /v1/embeddings, /v1/jobs); the path picks the reservation (estimate.ts).
 */
export const limitRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
	const client = c.get("client");
	const keyId = limiterKeyId(client.keyId);
	const limits = resolveLimits(client.limits, defaultLimits(c.env));
	const estimate = estimateRequestTokens(await c.req.text(), endpointOfPath(c.req.path));
	const stub = keyLimiterStub(c.env, keyId);
	const decided: Promise<AdmissionResult> = stub
		.admit({ keyId, limits, estimatedTokens: estimate.total })
		.catch((error: unknown) => {
			// Fail open: an overloaded or unreachable limiter must not turn inference into 5xx errors.
			// Limits are abuse protection; the request runs uncounted and the failure is logged.
			log("error", "limits_admission_failed", {
				keyPrefix: client.keyPrefix,
				tenant: client.tenantId,
				trace: c.get("trace").traceId,
				error,
			});
			return { admitted: "unchecked" as const };
		});
	let required = false;
	c.set("admission", {
		async required() {
			required = true;
			const result = await decided;
			if (result.admitted === false) throw limitError(result, estimate);
		},
	});
	const usedTokens = () => {
		const usage = c.get("jobUsage");
		return usage ? chargedTokens(usage) : null;
	};
	// Without usage: nothing is refunded of a job that started, all of one that never did.
	const chargeOnEnd = () => usedTokens() ?? (c.get("jobStarted") === true ? null : 0);
	// Settled once: by the response, its stream's end, or the client leaving before either.
	let settled = false;
	const settle = async (usedTokens: number | null, refused?: CapacityReason) => {
		if (settled) return;
		settled = true;
		const result = await decided;
		if (result.admitted === true) finish(result.permitId, usedTokens, refused);
	};
	let responded = false;
	let streaming = false;
	// A client that leaves before the response (or during an SSE body): the runtime may end the
	// handler here, so the permit is released now. A job that had not started is refunded.
	c.req.raw.signal.addEventListener(
		"abort",
		() => {
			if (responded && !streaming) return;
			c.executionCtx.waitUntil(settle(chargeOnEnd()));
		},
		{ once: true },
	);

	const finish = (permitId: string, usedTokens: number | null, refused: CapacityReason | undefined) => {
		const done: Promise<FinishResult | undefined> = stub
			.finish({ keyId, permitId, usedTokens, ...(refused ? { refused } : {}) })
			.catch((error: unknown) => {
				log("error", "limits_finish_failed", {
					keyPrefix: client.keyPrefix,
					tenant: client.tenantId,
					trace: c.get("trace").traceId,
					error,
				});
				return undefined;
			});
		c.executionCtx.waitUntil(done);
	};
	try {
		await next();
	} catch (error) {
		responded = true;
		await settle(0);
		throw error;
	}
	responded = true;
	const result = await decided;
	const res = c.res;
	if (!required && res.status < 400) {
		// A handler behind this middleware must call requireAdmission before it submits anything.
		log("error", "limits_admission_skipped", { method: c.req.method, path: c.req.path, status: res.status });
	}
	if (res.status >= 400) {
		await settle(0, await capacityRefusal(res));
	} else if (res.body && (res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
		streaming = true;
		// An SSE body may end before any output (the client left, or an error event): then it is refunded.
		c.res = new Response(
			onBodyEnd(res.body, () => void settle(chargeOnEnd())),
			res,
		);
	} else {
		await settle(usedTokens());
	}
	if (result.admitted === true) {
		for (const [name, value] of Object.entries(rateHeaders(result.rate))) c.res.headers.set(name, value);
	}
};

/** The capacity refusal a 429/503/504 answer carries (its OpenAI error code), for the tenant's refusal counts. */
async function capacityRefusal(res: Response): Promise<CapacityReason | undefined> {
	if (res.status !== 429 && res.status !== 503 && res.status !== 504) return undefined;
	try {
		const body = (await res.clone().json()) as { error?: { code?: unknown } };
		return capacityReasons.find((r) => r === body.error?.code);
	} catch {
		return undefined;
	}
}
