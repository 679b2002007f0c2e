/**
 * A fake edge for agent tests, on loopback: enrollment, poll, events,
 * release, telemetry, whoami, key rotation and /healthz, with every JWT
 * checked against the node's current key. Its state lives in a separate
 * object so a test can stop the server and start a new one on the same
 * port with the same state: an edge restart in the middle of a job. With
 * `{ channel: true }` it also accepts the agent's WebSocket channel
 * (ADR 0010) and answers polls and event posts on it as over HTTP.
 */

import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { importJWK, jwtVerify } from "jose";
import { generateKeyPair, type Identity } from "../../node-agent/src/identity.js";
import { verifyRotationProof } from "../../src/auth/rotation-proof.js";
import {
	type Ed25519PublicJwk,
	enrollRequestSchema,
	type JobEvent,
	jobEventsRequestSchema,
	type LeasedJob,
	pollRequestSchema,
	releaseRequestSchema,
	rotateKeyRequestSchema,
	type TelemetryRequest,
	telemetryRequestSchema,
} from "../../src/protocol/agent-wire.js";
import { acceptUpgrade, ClientFrames, refuseUpgrade, serverFrame } from "../support/ws-server.js";

export const FAKE_NODE_ID = "node_fakeedge0000000000001";
export const FAKE_AUDIENCE = "arcnet-agent-test";

/** What the fake edge knows; survives a restart. */
export class FakeEdgeState {
	publicJwk: Ed25519PublicJwk | null = null;
	queue: LeasedJob[] = [];
	events = new Map<string, JobEvent[]>();
	/** Events by lease id: each attempt of a job numbers its events from 0. */
	leaseEvents = new Map<string, JobEvent[]>();
	telemetry: TelemetryRequest[] = [];
	released: string[] = [];
	authFailures = 0;
	rotations = 0;
	revoked = false;
	/** Channels accepted so far, and requests answered on them. */
	channelsOpened = 0;
	channelRequests = 0;
	/** While true, every request (HTTP, channel upgrade or channel message) is held unanswered, as a frozen edge would. */
	frozen = false;
	/** Paths of the requests that arrived while frozen. */
	frozenRequests: string[] = [];
	/** Awaited before an events post is answered (after its events are recorded). */
	onEvents: ((jobId: string, leaseId: string, events: JobEvent[]) => Promise<void> | void) | null = null;

	/** The text of a job's deltas, in seq order. */
	text(jobId: string): string {
		return (this.events.get(jobId) ?? []).map((e) => (e.type === "delta" ? e.text : "")).join("");
	}
}

function error(status: number, code: string | null, message: string): [number, unknown] {
	return [status, { error: { message, type: "x", param: null, code } }];
}

/** One run of the fake edge's server. */
export class FakeEdge {
	readonly server: Server;
	url = "";
	/** Longest a poll with an empty queue is held, in ms (the edge holds up to the agent's waitMs). Default 300. */
	maxHoldMs = 300;
	private holds = new Set<() => void>();
	private sockets = new Set<Duplex>();

	constructor(
		readonly state = new FakeEdgeState(),
		options: { channel?: boolean } = {},
	) {
		this.server = createServer((req, res) => {
			void this.read(req).then(
				([status, body]) => {
					res.writeHead(status, { "content-type": "application/json" });
					res.end(JSON.stringify(body));
				},
				(err: unknown) => {
					res.writeHead(500, { "content-type": "application/json" });
					res.end(JSON.stringify({ error: { message: String(err), type: "server_error", param: null, code: null } }));
				},
			);
		});
		this.server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
			if (options.channel) void this.upgrade(req, socket);
			else refuseUpgrade(socket, 404, { error: { message: "no channel here" } });
		});
	}

	/** Listens on 127.0.0.1:`port` (0 = any free port). */
	async start(port = 0): Promise<this> {
		await new Promise<void>((r) => this.server.listen(port, "127.0.0.1", r));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
		return this;
	}

	/** The port it listens on, to restart on the same one. */
	get port(): number {
		return (this.server.address() as AddressInfo).port;
	}

	/** How many polls are held now, waiting for a job. */
	holdCount(): number {
		return this.holds.size;
	}

	/** Answers every held poll now (call after queueing jobs, as the real zone wakes its waiters). */
	wake(): void {
		for (const release of this.holds) release();
	}

	/** Stops at once, dropping open connections (long polls and channels included), as a crashed edge would. */
	stop(): Promise<void> {
		for (const release of this.holds) release();
		for (const socket of this.sockets) socket.destroy();
		this.server.closeAllConnections();
		return new Promise((r) => this.server.close(() => r()));
	}

	private async read(req: IncomingMessage): Promise<[number, unknown]> {
		let raw = "";
		for await (const c of req) raw += c;
		if (this.state.frozen) {
			this.state.frozenRequests.push(req.url ?? "");
			// Held until stop() drops the connection.
			await new Promise<never>(() => {});
		}
		return this.handle(req.url ?? "", JSON.parse(raw || "null"), req.headers.authorization);
	}

	/** Accepts a channel at /agent/v1/channel (JWT checked first) and answers each request as handle() would. */
	private async upgrade(req: IncomingMessage, socket: Duplex): Promise<void> {
		const authorization = req.headers.authorization;
		if (req.url !== "/agent/v1/channel") return refuseUpgrade(socket, 404, { error: { message: "not found" } });
		if (this.state.frozen) {
			this.state.frozenRequests.push(req.url);
			this.sockets.add(socket);
			return;
		}
		if (this.state.revoked) return refuseUpgrade(socket, 403, { error: { message: "revoked", code: "node_revoked" } });
		if (!(await this.authorised(authorization))) {
			this.state.authFailures++;
			return refuseUpgrade(socket, 401, { error: { message: "bad token", code: "invalid_agent_token" } });
		}
		acceptUpgrade(req, socket);
		this.sockets.add(socket);
		this.state.channelsOpened++;
		socket.on("close", () => this.sockets.delete(socket));
		socket.on("error", () => socket.destroy());
		const frames = new ClientFrames();
		socket.on("data", (chunk: Buffer) => {
			for (const frame of frames.push(chunk)) {
				if (frame.opcode === 0x9) socket.write(serverFrame(0xa, frame.payload));
				if (frame.opcode === 0x8) socket.end(serverFrame(0x8, frame.payload));
				if (frame.opcode !== 0x1) continue;
				const message = JSON.parse(frame.payload.toString("utf8")) as {
					id: number;
					op: "poll" | "events";
					jobId?: string;
					body: unknown;
				};
				const path = message.op === "poll" ? "/agent/v1/poll" : `/agent/v1/jobs/${message.jobId}/events`;
				if (this.state.frozen) {
					this.state.frozenRequests.push(path);
					continue;
				}
				void this.handle(path, message.body, authorization, false).then(([status, body]) => {
					this.state.channelRequests++;
					if (!socket.destroyed)
						socket.write(serverFrame(0x1, Buffer.from(JSON.stringify({ id: message.id, status, body }))));
				});
			}
		});
	}

	private async handle(
		path: string,
		body: unknown,
		authorization: string | undefined,
		checkAuth = true,
	): Promise<[number, unknown]> {
		const s = this.state;
		if (path === "/healthz") return [200, { ok: true }];
		if (path === "/agent/v1/enroll") {
			s.publicJwk = enrollRequestSchema.parse(body).publicKeyJwk;
			return [201, { nodeId: FAKE_NODE_ID, zoneId: "eu-stockholm", audience: FAKE_AUDIENCE }];
		}
		if (s.revoked) return error(403, "node_revoked", "revoked");
		if (checkAuth && !(await this.authorised(authorization))) {
			s.authFailures++;
			return error(401, "invalid_agent_token", "bad token");
		}
		if (path === "/agent/v1/whoami") return [200, { nodeId: FAKE_NODE_ID, zoneId: "eu-stockholm", keyRotatedAt: null }];
		if (path === "/agent/v1/keys/rotate") {
			const request = rotateKeyRequestSchema.parse(body);
			if (!s.publicJwk) return error(401, "invalid_agent_token", "not enrolled");
			// The edge's own check of the proof of possession.
			try {
				await verifyRotationProof(request.proof, {
					nodeId: FAKE_NODE_ID,
					audience: FAKE_AUDIENCE,
					current: s.publicJwk,
					next: request.publicKeyJwk,
				});
			} catch (err) {
				return error(400, "invalid_key_proof", err instanceof Error ? err.message : String(err));
			}
			s.publicJwk = request.publicKeyJwk;
			s.rotations++;
			// As the zone does: a channel opened with the old key must not outlive it.
			for (const socket of this.sockets) socket.end(serverFrame(0x8, closePayload(4001, "node key rotated")));
			return [200, { nodeId: FAKE_NODE_ID, keyRotatedAt: Date.now() }];
		}
		if (path === "/agent/v1/poll") {
			const p = pollRequestSchema.parse(body);
			if (s.queue.length === 0) {
				await new Promise<void>((resolve) => {
					const done = () => {
						this.holds.delete(done);
						resolve();
					};
					this.holds.add(done);
					setTimeout(done, Math.min(p.waitMs, this.maxHoldMs));
				});
			}
			return [200, { jobs: s.queue.splice(0, p.maxJobs) }];
		}
		const events = /^\/agent\/v1\/jobs\/([^/]+)\/events$/.exec(path);
		if (events?.[1]) {
			const e = jobEventsRequestSchema.parse(body);
			const list = s.events.get(events[1]) ?? [];
			for (const ev of e.events) if (ev.seq === list.length) list.push(ev);
			s.events.set(events[1], list);
			const byLease = s.leaseEvents.get(e.leaseId) ?? [];
			for (const ev of e.events) if (ev.seq === byLease.length) byLease.push(ev);
			s.leaseEvents.set(e.leaseId, byLease);
			await s.onEvents?.(events[1], e.leaseId, e.events);
			return [200, { leaseExpiresAt: Date.now() + 30_000, cancelled: false }];
		}
		if (path === "/agent/v1/jobs/release") {
			for (const l of releaseRequestSchema.parse(body).leases) s.released.push(l.jobId);
			return [200, { released: s.released.length }];
		}
		if (path === "/agent/v1/telemetry") {
			const t = telemetryRequestSchema.parse(body);
			s.telemetry.push(t);
			return [200, { leases: Object.fromEntries(t.running.map((r) => [r.jobId, Date.now() + 30_000])), cancel: [] }];
		}
		return error(404, null, "not found");
	}

	private async authorised(header: string | undefined): Promise<boolean> {
		if (!this.state.publicJwk || !header?.startsWith("Bearer ")) return false;
		try {
			const key = await importJWK(this.state.publicJwk, "EdDSA");
			await jwtVerify(header.slice(7), key, {
				algorithms: ["EdDSA"],
				audience: FAKE_AUDIENCE,
				subject: FAKE_NODE_ID,
				maxTokenAge: "120s",
			});
			return true;
		} catch {
			return false;
		}
	}
}

/** A fresh node identity the fake edge accepts (its public key registered), as `enroll` would leave it. */
export function fakeIdentity(edge: FakeEdge): Identity {
	const { publicJwk, privateJwk } = generateKeyPair();
	edge.state.publicJwk = publicJwk;
	return {
		nodeId: FAKE_NODE_ID,
		zoneId: "eu-stockholm",
		audience: FAKE_AUDIENCE,
		edgeUrl: edge.url,
		publicJwk,
		privateJwk,
		enrolledAt: "",
	};
}

/** A leased job for model `sim-1` with a distinct prompt. */
export function fakeJob(n: number, maxTokens?: number): LeasedJob {
	return {
		jobId: `job_fake${String(n).padStart(20, "0")}`,
		leaseId: `lease_fake${String(n).padStart(20, "0")}`,
		leaseExpiresAt: Date.now() + 30_000,
		attempt: 1,
		model: "sim-1",
		request: {
			messages: [{ role: "user", content: `question ${n}` }],
			...(maxTokens ? { max_tokens: maxTokens } : {}),
		},
	};
}

/** Polls `check` every 20 ms until it holds; throws naming `what` after `limitMs`. */
export async function waitFor(what: string, check: () => boolean, limitMs = 20_000): Promise<void> {
	const until = Date.now() + limitMs;
	while (!check()) {
		if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

/** A close frame's payload: the code (two bytes) and the reason. */
function closePayload(code: number, reason: string): Buffer {
	const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
	payload.writeUInt16BE(code, 0);
	payload.write(reason, 2);
	return payload;
}
