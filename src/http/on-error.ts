/**
 * The single error handler of the app: every error leaves as OpenAI's shape
 * `{"error":{"message","type","param","code"}}`. ApiErrors keep their status;
 * anything else is a 500 whose details stay in the logs.
 */
import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { log } from "../protocol/log-line.js";
import type { AppEnv } from "./app-env.js";
import { ApiError, NotFoundError } from "./errors.js";
import { methodNotAllowed } from "./method-not-allowed.js";

/** Renders any thrown error as an OpenAI-shaped JSON response. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
	if (err instanceof ApiError) return err.getResponse();
	if (err instanceof HTTPException) {
		return new ApiError(err.status, err.message || "Request failed.", { type: "invalid_request_error" }).getResponse();
	}
	log("error", "unhandled_error", { path: c.req.path, trace: c.get("trace")?.traceId, error: err });
	return new ApiError(500, "The edge failed to handle the request; try again.", {
		type: "server_error",
		code: "internal_error",
	}).getResponse();
};

/** Unknown routes: 405 with Allow when the path answers other methods (`allowedMethods`), else 404; both in the same shape. */
export function notFound(allowedMethods: (path: string) => string[]): NotFoundHandler<AppEnv> {
	return (c) => {
		const path = new URL(c.req.url).pathname;
		const allowed = allowedMethods(path);
		if (allowed.length > 0) return methodNotAllowed(c.req.method, path, allowed).getResponse();
		return new NotFoundError(`Unknown route: ${c.req.method} ${path}`, "unknown_route").getResponse();
	};
}
