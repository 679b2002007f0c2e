/**
 * GeozoneDO: one per geozone, holding its live node table, job queue, leases
 * and long-poll waiters (native RPC, SQLite-backed). The class is a thin
 * shell: it validates every RPC input with the zod schemas of contract.ts,
 * remembers its zone id, delegates to the modules in ./geozone/ and then
 * re-plans its single alarm.
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { type LeasedJob, nodeIdSchema } from "../src/protocol/agent-wire.js";
import { log } from "../src/protocol/log-line.js";
import type { ZoneNodeView } from "../src/protocol/zone-node-view.js";
import { AlarmSlot } from "./alarm-slot.js";
import { type AlarmReport, plannedAlarm, runAlarm } from "./geozone/alarm/alarm-run.js";
import { asyncJobView, cancelAsyncForTenant, submitAsyncJob } from "./geozone/async-jobs/async-job-ops.js";
import { noteAsyncDue } from "./geozone/async-jobs/async-job-retention.js";
import { type AsyncJobConfig, parseAsyncJobConfig, parseGeozoneConfig } from "./geozone/config.js";
import {
	type AsyncJobView,
	type CancelForTenantResult,
	type HeartbeatResult,
	heartbeatInputSchema,
	type PollInput,
	type PostEventsInput,
	type PostEventsResult,
	pollInputSchema,
	postEventsInputSchema,
	type ReleaseResult,
	type ResumeJobResult,
	releaseInputSchema,
	resumeJobInputSchema,
	type SubmitAsyncAnswer,
	type SubmitJobAnswer,
	submitJobInputSchema,
	tenantJobInputSchema,
	type ZoneSummary,
} from "./geozone/contract.js";
import { markInstanceStart } from "./geozone/jobs/detached-jobs.js";
import { applyJobEvents } from "./geozone/jobs/job-events.js";
import { cancelJobById, submitJob } from "./geozone/jobs/job-ops.js";
import { withTrace } from "./geozone/jobs/job-queue.js";
import { OutputStreams } from "./geozone/jobs/output-streams.js";
import { resumeJob } from "./geozone/jobs/resume.js";
import type { ZoneMetrics } from "./geozone/metrics/contract.js";
import { countSubmission } from "./geozone/metrics/job-metrics.js";
import { zoneMetrics } from "./geozone/metrics/zone-metrics.js";
import { ChannelSockets } from "./geozone/nodes/channel-sockets.js";
import { heartbeat, pollJobs, releaseJobs } from "./geozone/nodes/node-ops.js";
import { nodeViews } from "./geozone/nodes/node-view.js";
import { Waiters } from "./geozone/nodes/waiters.js";
import { ensureSchema, readMeta, writeMeta } from "./geozone/schema.js";
import { zoneLoad, zoneSummary } from "./geozone/summary.js";
import { FLUSH_DELAY_MS, type ZoneState } from "./geozone/zone-state.js";
import { parseRpcInput, zoneIdInputSchema } from "./rpc-input.js";

/** How soon an alarm must be due for an RPC to skip planning it (the D1 flush delay: see #replan). */
const REPLAN_HORIZON_MS = FLUSH_DELAY_MS;

export class GeozoneDO extends DurableObject<Env> {
	readonly #zone: ZoneState;
	readonly #async: AsyncJobConfig;
	readonly #alarm: AlarmSlot;
	/** The zone this object serves, once read from (or written to) meta: it never changes. */
	#zoneId: string | null = null;
	readonly #channels: ChannelSockets;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#zone = {
			sql: ctx.storage.sql,
			config: parseGeozoneConfig(env),
			waiters: new Waiters(),
			streams: new OutputStreams(),
			now: () => Date.now(),
			afterBackgroundChange: () => {
				this.#replan().catch((error: unknown) => log("error", "alarm_replan_failed", { error }));
			},
		};
		this.#async = parseAsyncJobConfig(env);
		this.#alarm = new AlarmSlot(ctx.storage);
		// Channel requests arrive validated by the wire schemas, with the node and zone the Worker
		// checked at the upgrade (channel.ts), so they skip the RPC inputs' second validation.
		this.#channels = new ChannelSockets(ctx, this.#zone.waiters, {
			poll: (input, sendNow) => this.#poll(input, sendNow),
			postEvents: (input) => this.#postEvents(input),
			release: (input) => this.release(input),
		});
		ctx.blockConcurrencyWhile(async () => {
			ensureSchema(ctx.storage.sql);
			// Writers of this instance start empty: the grace of reader-less sync jobs runs from here.
			markInstanceStart(this.#zone, Date.now());
		});
	}

	/** Accepts a job (written to SQLite first) and returns its NDJSON output stream, or refuses without writing. */
	async submit(input: z.input<typeof submitJobInputSchema>): Promise<SubmitJobAnswer> {
		const parsed = withTrace(this.#parse(submitJobInputSchema, input, "submit"));
		const result = submitJob(this.#zone, parsed);
		countSubmission(this.#zone.sql, parsed.tenantId, result);
		await this.#replan();
		return { ...result, load: zoneLoad(this.#zone) };
	}

	/**
	 * Accepts an async job (POST /v1/jobs) once written to SQLite, with no output stream; a job id the zone
	 * already holds for the tenant answers `replayed` (a retried submit), so retries never run a job twice.
	 */
	async submitAsync(input: z.input<typeof submitJobInputSchema>): Promise<SubmitAsyncAnswer> {
		const parsed = withTrace(this.#parse(submitJobInputSchema, input, "submitAsync"));
		const result = submitAsyncJob(this.#zone, parsed);
		countSubmission(this.#zone.sql, parsed.tenantId, result);
		if (result.accepted && !result.replayed && parsed.expiresAt !== undefined)
			noteAsyncDue(this.#zone, parsed.expiresAt);
		await this.#replan();
		return { ...result, load: zoneLoad(this.#zone) };
	}

	/** The tenant's async job with its result; null when unknown, another tenant's, or expired. */
	async getJob(zoneId: string, jobId: string, tenantId: string): Promise<AsyncJobView | null> {
		const parsed = this.#parse(tenantJobInputSchema, { zoneId, jobId, tenantId }, "getJob");
		return asyncJobView(this.#zone, this.#async, parsed.zoneId, parsed.jobId, parsed.tenantId);
	}

	/** Cancels the tenant's queued or running async job (the node is told); another tenant's job is not_found. */
	async cancelForTenant(zoneId: string, jobId: string, tenantId: string): Promise<CancelForTenantResult> {
		const parsed = this.#parse(tenantJobInputSchema, { zoneId, jobId, tenantId }, "cancelForTenant");
		const result = cancelAsyncForTenant(this.#zone, this.#async, parsed.zoneId, parsed.jobId, parsed.tenantId);
		if (result.outcome === "cancelled") await this.#replan();
		return result;
	}

	/**
	 * Re-attaches to a job whose stream broke (this object restarted): a fresh
	 * NDJSON stream of the stored deltas after the first `skipDeltas` (0..10^7),
	 * then the live ones, or the terminal event at once if the job ended.
	 * Replaces any stream the job still had. Unknown (or purged) job: `found: false`.
	 */
	async resume(zoneId: string, jobId: string, skipDeltas: number): Promise<ResumeJobResult> {
		const parsed = this.#parse(resumeJobInputSchema, { zoneId, jobId, skipDeltas }, "resume");
		const result = resumeJob(this.#zone, parsed);
		await this.#replan();
		return result;
	}

	/** Long-poll: leases up to maxJobs jobs now, or waits up to min(waitMs, POLL_MAX_WAIT_MS) for one. */
	async poll(input: z.input<typeof pollInputSchema>): Promise<LeasedJob[]> {
		return this.#poll(this.#parse(pollInputSchema, input, "poll"));
	}

	async #poll(parsed: PollInput, sendNow?: (jobs: LeasedJob[]) => boolean): Promise<LeasedJob[]> {
		const pending = pollJobs(this.#zone, parsed, sendNow);
		await this.#replan();
		// No second re-plan after the wait: a waiter only gets jobs from dispatchQueued, and every
		// caller of it (submit, postEvents, release, the alarm) re-plans in its own call; skipping
		// it keeps a storage round off the path of the job to the agent.
		return pending;
	}

	/** Applies a node's job events under its lease; retried events are skipped, gaps refused. Renews the lease. */
	async postEvents(input: z.input<typeof postEventsInputSchema>): Promise<PostEventsResult> {
		return this.#postEvents(this.#parse(postEventsInputSchema, input, "postEvents"));
	}

	async #postEvents(parsed: PostEventsInput): Promise<PostEventsResult> {
		const result = applyJobEvents(this.#zone, parsed);
		if (result.ok) await this.#replan();
		return result;
	}

	/** Stores telemetry, renews the listed leases the node holds, and names the jobs it must stop. */
	async heartbeat(input: z.input<typeof heartbeatInputSchema>): Promise<HeartbeatResult> {
		const parsed = this.#parse(heartbeatInputSchema, input, "heartbeat");
		const result = heartbeat(this.#zone, parsed);
		await this.#replan();
		return result;
	}

	/** Takes back a shutting-down node's jobs: unstarted ones are re-queued, started ones fail with `shutdown`. */
	async release(input: z.input<typeof releaseInputSchema>): Promise<ReleaseResult> {
		const parsed = this.#parse(releaseInputSchema, input, "release");
		const result = releaseJobs(this.#zone, parsed);
		await this.#replan();
		return result;
	}

	/** Cancels a queued or leased job (its stream ends with error `cancelled`); false if unknown or finished. */
	async cancel(zoneId: string, jobId: string): Promise<boolean> {
		const parsed = this.#parse(zoneIdInputSchema.required({ jobId: true }), { zoneId, jobId }, "cancel");
		const cancelled = cancelJobById(this.#zone, parsed.jobId);
		if (cancelled) await this.#replan();
		return cancelled;
	}

	/** The zone's live nodes, models, slots, free slots and queue depth now. */
	async summary(zoneId: string): Promise<ZoneSummary> {
		const parsed = this.#parse(zoneIdInputSchema, { zoneId }, "summary");
		return zoneSummary(this.#zone, parsed.zoneId);
	}

	/** The zone's gauges, live nodes' GPU readings, and its counters and histograms (GET /metrics). */
	async metrics(zoneId: string): Promise<ZoneMetrics> {
		const parsed = this.#parse(zoneIdInputSchema, { zoneId }, "metrics");
		return zoneMetrics(this.#zone, parsed.zoneId);
	}

	/** Every node the zone knows, with liveness, slots in use and last telemetry (the operations console). */
	async nodeViews(zoneId: string): Promise<ZoneNodeView[]> {
		this.#parse(zoneIdInputSchema, { zoneId }, "nodeViews");
		return nodeViews(this.#zone);
	}

	/** Accepts an agent's WebSocket channel (ADR 0010), forwarded by the Worker after it checked the node's JWT. */
	override async fetch(request: Request): Promise<Response> {
		return this.#channels.accept(request, (zoneId) => this.#parse(zoneIdInputSchema, { zoneId }, "channel"));
	}

	/** One request on an agent's channel: answered with what the same HTTP call would answer. */
	override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
		await this.#channels.message(socket, message);
	}

	/** An agent's channel closed: its open poll ends, so no job is handed to it. */
	override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
		this.#channels.gone(socket);
		try {
			socket.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
		} catch {
			// Already closed (the runtime answers a close by itself).
		}
	}

	override async webSocketError(socket: WebSocket): Promise<void> {
		this.#channels.gone(socket);
	}

	/** Closes a node's channels (its key was rotated or it was revoked): it must sign in again. Returns how many. */
	async closeChannels(zoneId: string, nodeId: string, reason: string): Promise<number> {
		const parsed = this.#parse(zoneIdInputSchema.extend({ nodeId: nodeIdSchema }), { zoneId, nodeId }, "closeChannels");
		return this.#channels.closeNode(parsed.nodeId, reason);
	}

	/** Expires leases and deadlines, marks silent nodes gone, hands back orphaned jobs, flushes to D1, then re-plans. */
	override async alarm(): Promise<void> {
		this.#alarm.fired();
		try {
			await this.runAlarm();
		} catch (error) {
			this.#alarm.unknown();
			throw error;
		}
	}

	/** The alarm's work, returning what it did (tests and logs). */
	async runAlarm(): Promise<AlarmReport> {
		const report = await runAlarm(
			this.#zone,
			this.env.DB,
			readMeta(this.ctx.storage.sql, "zone_id"),
			this.#async,
			this.env,
		);
		await this.#replan(true);
		return report;
	}

	#parse<S extends z.ZodType>(schema: S, input: unknown, method: string): z.output<S> {
		const parsed = parseRpcInput(schema, input, method);
		const zoneId = (parsed as { zoneId: string }).zoneId;
		if (zoneId === this.#zoneId) return parsed;
		const known = readMeta(this.ctx.storage.sql, "zone_id");
		if (known === null) writeMeta(this.ctx.storage.sql, "zone_id", zoneId);
		else if (known !== zoneId) {
			throw new Error(`${method}: zoneId: this object serves ${known}, got ${JSON.stringify(zoneId)} (string)`);
		}
		this.#zoneId = zoneId;
		return parsed;
	}

	/**
	 * After an RPC the alarm only moves earlier (AlarmSlot.atMost); after the alarm it is set exactly.
	 * An alarm due within REPLAN_HORIZON_MS is left as it is without planning: no deadline an RPC
	 * creates is sooner (a lease, a flush, a node's liveness, a purge, a webhook retry are all further
	 * out), so at worst one fires that much late, and the alarm plans exactly when it runs.
	 */
	async #replan(exact = false): Promise<void> {
		if (!exact && this.#alarm.firesBy(Date.now() + REPLAN_HORIZON_MS)) return;
		const at = plannedAlarm(this.#zone);
		if (exact) await this.#alarm.set(at);
		else await this.#alarm.atMost(at);
	}
}
