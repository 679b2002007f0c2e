import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
	afterAttempt,
	deliverOnce,
	WEBHOOK_RETRY_BASE_MS,
	WEBHOOK_RETRY_MAX_MS,
} from "../../durable-objects/geozone/async-jobs/webhook-delivery.js";
import { signWebhook } from "../../durable-objects/geozone/async-jobs/webhook-signature.js";

const SECRET = "a-client-secret-of-32-characters";
const message = {
	jobId: "job_abcdefghijklmnop1234",
	url: "",
	secret: SECRET,
	body: '{"id":"job_x","status":"succeeded"}',
};

describe("webhook delivery", () => {
	it("signs the Standard Webhooks way: v1, base64 HMAC-SHA256 of id.timestamp.body", async () => {
		const expected = createHmac("sha256", SECRET).update(`msg_1.1700000000.{}`).digest("base64");
		expect(await signWebhook(SECRET, "msg_1", 1_700_000_000, "{}")).toBe(`v1,${expected}`);
		const raw = Buffer.from("0123456789abcdef0123");
		const whsec = createHmac("sha256", raw).update("msg_1.1.x").digest("base64");
		expect(await signWebhook(`whsec_${raw.toString("base64")}`, "msg_1", 1, "x")).toBe(`v1,${whsec}`);
	});

	it("posts to a loopback receiver with a signature it can verify, and no signature without a secret", async () => {
		const received: { headers: IncomingHttpHeaders; body: string }[] = [];
		const server = createServer((req, res) => {
			let body = "";
			req.on("data", (chunk: Buffer) => {
				body += chunk.toString();
			});
			req.on("end", () => {
				received.push({ headers: req.headers, body });
				res.writeHead(received.length === 1 ? 500 : 204).end();
			});
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		try {
			const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
			expect(await deliverOnce({ ...message, url }, 1_700_000_000_000)).toBe(false);
			expect(await deliverOnce({ ...message, url, secret: null }, 1_700_000_000_000)).toBe(true);
			const [first, second] = received;
			expect(first?.body).toBe(message.body);
			expect(first?.headers["webhook-id"]).toBe(`msg_${message.jobId}`);
			const signed = `${first?.headers["webhook-id"]}.${first?.headers["webhook-timestamp"]}.${first?.body}`;
			expect(first?.headers["webhook-signature"]).toBe(
				`v1,${createHmac("sha256", SECRET).update(signed).digest("base64")}`,
			);
			expect(second?.headers["webhook-signature"]).toBeUndefined();
		} finally {
			server.close();
		}
	});

	it("retries a failed delivery with exponential backoff until WEBHOOK_MAX_ATTEMPTS, then marks it failed", async () => {
		const calls: string[] = [];
		const failing = async (url: string) => {
			calls.push(url);
			return new Response("no", { status: 503 });
		};
		let now = 1_000_000;
		const schedule: (number | null)[] = [];
		let state = afterAttempt(await deliverOnce({ ...message, url: "https://hooks.test/x" }, now, failing), 1, 5, now);
		schedule.push(state.nextAt === null ? null : state.nextAt - now);
		for (let attempt = 2; state.status === "pending"; attempt++) {
			now = state.nextAt ?? now;
			state = afterAttempt(
				await deliverOnce({ ...message, url: "https://hooks.test/x" }, now, failing),
				attempt,
				5,
				now,
			);
			schedule.push(state.nextAt === null ? null : state.nextAt - now);
		}
		expect(calls).toHaveLength(5);
		expect(state.status).toBe("failed");
		const base = WEBHOOK_RETRY_BASE_MS;
		expect(schedule).toEqual([base, base * 2, base * 4, base * 8, null]);
		expect(afterAttempt(false, 30, 40, 0).nextAt).toBe(WEBHOOK_RETRY_MAX_MS);
		expect(afterAttempt(true, 3, 5, 0)).toEqual({ status: "delivered", nextAt: null });
	});
});
