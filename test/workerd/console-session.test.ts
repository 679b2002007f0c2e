/** Console session tokens: valid for 30 minutes, tied to the admin key that issued them. */
import { describe, expect, it } from "vitest";
import { issueSession, readSession, SESSION_TTL_S } from "../../src/console/session.js";

const KEY = "sk-console-session-key-000000";

describe("console session", () => {
	it("reads back the CSRF token of a fresh session", async () => {
		const { jwt, session } = await issueSession(KEY, 1_000_000);
		expect(await readSession(KEY, jwt, 1_000_000 + 60_000)).toEqual(session);
	});

	it("refuses a session past its 30 minutes", async () => {
		const { jwt } = await issueSession(KEY, 1_000_000);
		expect(await readSession(KEY, jwt, 1_000_000 + SESSION_TTL_S * 1000 + 1_000)).toBeNull();
	});

	it("refuses a session once the admin key changed, and a tampered one", async () => {
		const { jwt } = await issueSession(KEY, 1_000_000);
		expect(await readSession(`${KEY}-rotated`, jwt, 1_000_000)).toBeNull();
		const [header, payload, signature] = jwt.split(".");
		const forged = JSON.stringify({ ...JSON.parse(atob(payload ?? "")), csrf: "mine" });
		const tampered = `${header}.${btoa(forged).replace(/=+$/, "")}.${signature}`;
		expect(await readSession(KEY, tampered, 1_000_000)).toBeNull();
	});
});
