/**
 * 405 for a path that exists under another method: the app's own route table
 * (Hono's `app.routes`) is matched with Hono's PatternRouter for each method,
 * so a path is read exactly as the app reads it. The answer names the
 * methods in `Allow`, as RFC 9110 requires, in OpenAI's error shape.
 */
import type { Hono } from "hono";
import { PatternRouter } from "hono/router/pattern-router";
import type { AppEnv } from "./app-env.js";
import { ApiError } from "./errors.js";

/** The methods each path of `app` answers, read once after every route is registered. */
export function routeMethods(app: Hono<AppEnv>): (path: string) => string[] {
	const router = new PatternRouter<string>();
	const methods = new Set<string>();
	for (const route of app.routes) {
		// "ALL" entries are middleware (`app.use`), not endpoints.
		if (route.method === "ALL") continue;
		router.add(route.method, route.path, route.method);
		methods.add(route.method);
	}
	return (path) => {
		const allowed = [...methods].filter((method) => router.match(method, path)[0].length > 0);
		// Hono answers HEAD wherever it answers GET.
		if (allowed.includes("GET")) allowed.push("HEAD");
		return allowed.sort();
	};
}

/** 405 method_not_allowed naming the methods `path` answers, with the Allow header. */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): ApiError {
	const list = allowed.join(", ");
	return new ApiError(405, `Method ${method} is not allowed on ${path}; it answers ${list}.`, {
		type: "invalid_request_error",
		code: "method_not_allowed",
		headers: { allow: list },
	});
}
