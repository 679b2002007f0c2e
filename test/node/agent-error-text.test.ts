/**
 * Error texts the agent logs name each cause once: an error that already
 * quotes its cause's message (the edge client's do) is not followed by it again.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { EdgeClient } from "../../node-agent/src/edge-client.js";
import { errorMessage } from "../../node-agent/src/logger.js";

/** A loopback port with nothing listening on it: bound, then closed. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	await new Promise<void>((resolve) => server.close(() => resolve()));
	if (address === null || typeof address === "string") throw new Error("no port");
	return address.port;
}

describe("agent error texts", () => {
	it("says a refused connection to the edge once, not twice", async () => {
		const port = await closedPort();
		const edge = new EdgeClient({ edgeUrl: `http://127.0.0.1:${port}` });
		const err = await edge.health().then(
			() => undefined,
			(e: unknown) => e,
		);
		const text = errorMessage(err);
		expect(text).toBe(`GET /healthz: connect ECONNREFUSED 127.0.0.1:${port}`);
	});

	it("still adds a cause the message does not quote, down the chain", () => {
		const root = new Error("socket hang up");
		const mid = new Error("request failed", { cause: root });
		const top = new Error("POST /agent/v1/telemetry: request failed", { cause: mid });
		expect(errorMessage(top)).toBe("POST /agent/v1/telemetry: request failed: socket hang up");
		expect(errorMessage("plain")).toBe("plain");
	});
});
