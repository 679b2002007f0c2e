/**
 * Maps backend failures to the protocol's job error codes. The edge uses the
 * code and the retryable flag to decide between failing the client's request
 * and re-queueing the job elsewhere, so the mapping must be conservative: only
 * failures that say nothing about the request itself are retryable.
 */
import { BackendError } from "./types.js";

const CONTEXT_LENGTH = /context[ _-]?(length|window|size)|maximum context|too many tokens|prompt is too long/i;
const MODEL_MISSING = /model .*(not found|does not exist|not loaded)|no such model|unknown model/i;

/** Classifies a non-2xx backend answer by status and body text. */
export function classifyHttpFailure(status: number, body: string): BackendError {
	const detail = `backend answered ${status}${body ? `: ${body.slice(0, 300)}` : ""}`;
	if (status === 404 || MODEL_MISSING.test(body)) return new BackendError("model_not_found", detail, false);
	if (status === 429 || status === 503) return new BackendError("backend_overloaded", detail, true);
	if (status === 400 && CONTEXT_LENGTH.test(body)) return new BackendError("context_length_exceeded", detail, false);
	return new BackendError("backend_error", detail, false);
}

function errorCode(err: unknown): string | undefined {
	for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
		const code = (e as Error & { code?: unknown }).code;
		if (typeof code === "string") return code;
	}
	return undefined;
}

const UNREACHABLE = new Set([
	"ECONNREFUSED",
	"ECONNRESET",
	"EHOSTUNREACH",
	"ENETUNREACH",
	"ENOTFOUND",
	"EAI_AGAIN",
	"UND_ERR_SOCKET",
	"UND_ERR_CONNECT_TIMEOUT",
]);

/** Classifies an error thrown by fetch before or while reading the backend's answer. */
export function classifyNetworkFailure(err: unknown): BackendError {
	if (err instanceof BackendError) return err;
	const code = errorCode(err);
	const message = err instanceof Error ? err.message : String(err);
	if (code !== undefined && UNREACHABLE.has(code)) {
		return new BackendError("backend_unreachable", `backend unreachable (${code})`, true, { cause: err });
	}
	if (message === "fetch failed") {
		return new BackendError("backend_unreachable", `backend unreachable (${code ?? message})`, true, { cause: err });
	}
	return new BackendError("backend_error", `backend request failed: ${message}`, false, { cause: err });
}
