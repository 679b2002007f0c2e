/** Helpers for the console API tests: sign in, and call /console/api with the session cookie and CSRF token. */
import { exports } from "cloudflare:workers";
import { ADMIN_KEY } from "./edge-fixtures.js";

export interface ConsoleSignIn {
	cookie: string;
	csrf: string;
	setCookie: string;
}

/** Signs in with `adminKey` and returns the session cookie and CSRF token. */
export async function signIn(adminKey = ADMIN_KEY): Promise<ConsoleSignIn> {
	const res = await exports.default.fetch("http://edge/console/api/session", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ adminKey }),
	});
	if (res.status !== 200) throw new Error(`sign in: ${res.status} ${await res.text()}`);
	const setCookie = res.headers.get("set-cookie") ?? "";
	const { csrfToken } = (await res.json()) as { csrfToken: string };
	return { cookie: setCookie.split(";")[0] ?? "", csrf: csrfToken, setCookie };
}

/** Calls /console/api`path` as the signed-in console; `csrf: false` leaves the token out. */
export function consoleCall(
	session: ConsoleSignIn | null,
	method: string,
	path: string,
	options: { body?: unknown; csrf?: boolean | string; origin?: string } = {},
): Promise<Response> {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (session) headers.cookie = session.cookie;
	const csrf = options.csrf ?? true;
	if (session && csrf !== false) headers["x-arcnet-csrf"] = csrf === true ? session.csrf : csrf;
	if (options.origin) headers.origin = options.origin;
	return exports.default.fetch(`http://edge/console/api${path}`, {
		method,
		headers,
		...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
	});
}
