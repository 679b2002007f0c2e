/**
 * Calls to /console/api. The session lives in an HttpOnly cookie the page
 * cannot read; the CSRF token is held in memory only and sent on every change.
 * The admin key is sent once, at sign-in, and never stored.
 */

let csrfToken: string | null = null;

/** An API refusal, with the server's message. */
export class ApiFailure extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
	const headers: Record<string, string> = { accept: "application/json" };
	if (body !== undefined) headers["content-type"] = "application/json";
	if (method !== "GET" && csrfToken) headers["x-arcnet-csrf"] = csrfToken;
	const res = await fetch(`/console/api${path}`, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
		credentials: "same-origin",
	});
	if (res.status === 204) return undefined as T;
	const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
	if (!res.ok) throw new ApiFailure(res.status, json.error?.message ?? `HTTP ${res.status}`);
	return json as T;
}

/** Signs in; true when the key was accepted. */
export async function signIn(adminKey: string): Promise<void> {
	const out = await call<{ csrfToken: string }>("POST", "/session", { adminKey });
	csrfToken = out.csrfToken;
}

/** Resumes a session from the cookie; false when there is none. */
export async function resume(): Promise<boolean> {
	try {
		const out = await call<{ csrfToken: string }>("GET", "/session");
		csrfToken = out.csrfToken;
		return true;
	} catch {
		return false;
	}
}

export async function signOut(): Promise<void> {
	await call("DELETE", "/session");
	csrfToken = null;
}

export const get = <T>(path: string) => call<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => call<T>("POST", path, body);
export const patch = <T>(path: string, body: unknown) => call<T>("PATCH", path, body);
