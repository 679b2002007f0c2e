/**
 * Per-key limits on a client route: admits the request with the key's
 * KeyLimiterDO before the handler runs (429 + Retry-After when a limit
 * refuses it), and finishes it after the response: for SSE when the stream
 * ends or the client goes away, otherwise once the handler's body is ready.
 * The real usage comes from the `jobUsage` request variable that the handler
 * sets from the job's done event; with none (the client left mid-stream, an
 * async job still queued) the reservation stays charged. A response with an
 * error status produced no output and is charged nothing.
 */
import type { MiddlewareHandler } from "hono";
import type { FinishResult } from "../../durable-objects/limiter/contract.js";
import type { AppEnv } from "../http/app-env.js";
import { estimateRequestTokens } from "./estimate.js";
import { limitError, rateHeaders } from "./limit-errors.js";
import { defaultLimits, limiterKeyId, resolveLimits } from "./resolve.js";

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

/**
 * Admits before the handler and finishes after the response; export for any
 * route that runs inference (POST /v1/chat/completions, POST /v1/jobs).
 */
export const limitRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
	const client = c.get("client");
	const keyId = limiterKeyId(client.keyId);
	const limits = resolveLimits(client.limits, defaultLimits(c.env));
	const estimatedTokens = estimateRequestTokens(await c.req.text());
	const stub = keyLimiterStub(c.env, keyId);
	let admission: Awaited<ReturnType<typeof stub.admit>>;
	try {
		admission = await stub.admit({ keyId, limits, estimatedTokens });
	} catch (error) {
		// Fail open: an overloaded or unreachable limiter must not turn inference into 5xx errors.
		// Limits are abuse protection; the request runs uncounted and the failure is logged.
		console.error(`limits: admission for key ${client.keyPrefix} failed; letting the request through`, error);
		await next();
		return;
	}
	if (!admission.admitted) throw limitError(admission);

	const finish = (usedTokens: number | null) => {
		const done: Promise<FinishResult | undefined> = stub
			.finish({ keyId, permitId: admission.permitId, usedTokens })
			.catch((error: unknown) => {
				console.error(`limits: finish of a permit of key ${client.keyPrefix} failed`, error);
				return undefined;
			});
		c.executionCtx.waitUntil(done);
	};
	const usedTokens = () => {
		const usage = c.get("jobUsage");
		return usage ? usage.prompt_tokens + usage.completion_tokens : null;
	};
	try {
		await next();
	} catch (error) {
		finish(0);
		throw error;
	}
	const res = c.res;
	const headers = rateHeaders(admission.rate);
	if (res.status >= 400) {
		finish(0);
	} else if (res.body && (res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
		c.res = new Response(
			onBodyEnd(res.body, () => finish(usedTokens())),
			res,
		);
	} else {
		finish(usedTokens());
	}
	for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
};
