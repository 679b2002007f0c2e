/**
 * The agent's main loop: long-poll the zone for as many jobs as there are free
 * slots, run them concurrently, send telemetry on a timer, and on shutdown
 * drain: stop polling, let running jobs finish within the grace period, then
 * release the rest so the zone re-queues them at once instead of waiting for
 * their leases to expire.
 */
import type { LeasedJob, TelemetryRequest } from "../../src/protocol/agent-wire.js";
import type { PowerSource } from "../../src/protocol/power-source.js";
import { BackendWatch } from "./backend-watch.js";
import type { Backend } from "./backends/index.js";
import type { ModelDescriber } from "./backends/model-details.js";
import { Backoff, sleep } from "./backoff.js";
import { type EdgeClient, EdgeHttpError } from "./edge-client.js";
import { type ConnectionState, EdgeStatus } from "./edge-status.js";
import { type JobOutcome, type RunningJob, runJob } from "./job-runner.js";
import { errorMessage, type Logger } from "./logger.js";
import { RunningJobs } from "./running-jobs.js";
import type { EnergyMeter } from "./telemetry/energy-meter.js";
import type { GpuSample, GpuSource } from "./telemetry/gpu.js";
import type { HostReading } from "./telemetry/host.js";
import { applyTelemetryResponse, createTelemetryBuilder } from "./telemetry/reporter.js";
import type { JobTracing } from "./tracing/job-trace.js";

/** Exit code when an operator revoked the node (EX_CONFIG): a restart will not help. */
export const EXIT_REVOKED = 78;

/** Longest the hand-back of unfinished jobs may take once the drain grace is over, in ms. */
export const RELEASE_TIMEOUT_MS = 5_000;

/** What the loop knows after a telemetry tick, for the status view. */
export interface LoopStatus {
	telemetry: TelemetryRequest;
	connection: ConnectionState;
	/** Whether polls and job events go over the WebSocket channel right now. */
	transport: "websocket" | "http";
	draining: boolean;
	running: RunningJob[];
	/** Why nvidia-smi readings were replaced by simulated ones on this tick, if they were. */
	gpuProblem: string | null;
	/** Why the backend's last model listing failed, or null while it answers. */
	backendProblem: string | null;
}

export interface WorkLoopOptions {
	edge: EdgeClient;
	backend: Backend;
	logger: Logger;
	gpu: GpuSource;
	/** Measures each job's GPU energy (nvidia-smi hosts); absent: jobs report none and the edge estimates. */
	meter?: EnergyMeter;
	/** Where job spans go (--otlp-endpoint). */
	tracing?: JobTracing;
	/** The node's declared power for telemetry (telemetry/power-report.ts); none by default. */
	power?: () => Promise<PowerSource | undefined>;
	host: () => HostReading;
	slots: number;
	pollWaitMs: number;
	telemetryIntervalMs: number;
	drainGraceMs: number;
	/** Longest one model listing may take, in ms. Default BACKEND_LIST_TIMEOUT_MS (10 s). */
	backendListTimeoutMs?: number;
	/** Learns what the backend serves of each model, for telemetry; absent: no details are sent. */
	describeModels?: ModelDescriber;
	/** A job whose backend sends nothing for this long fails retryably, in ms. Default BACKEND_IDLE_TIMEOUT_MS. */
	backendIdleTimeoutMs?: number;
	backoff?: Backoff;
	/** Called after every telemetry tick (sent or not); the run command writes the status file with it. */
	onStatus?: (status: LoopStatus) => void;
	/** Called when a job's backend run ends, and for output tokens as they stream (the agent's metrics). */
	onJobEnded?: (outcome: JobOutcome) => void;
	onTokens?: (n: number) => void;
}

export class WorkLoop {
	private readonly running = new RunningJobs();
	private readonly draining = new AbortController();
	private readonly hardStop = new AbortController();
	private readonly backoff: Backoff;
	private readonly status: EdgeStatus;
	private readonly backendWatch: BackendWatch;
	private tokens = 0;
	private revoked = false;
	private slotFreed: (() => void) | null = null;
	private jobPromises = new Set<Promise<void>>();
	private gpuProblem: string | null = null;

	constructor(private readonly o: WorkLoopOptions) {
		this.backoff = o.backoff ?? new Backoff({ baseMs: 250, capMs: 15_000 });
		this.status = new EdgeStatus(o.logger);
		this.backendWatch = new BackendWatch({
			backend: o.backend,
			logger: o.logger,
			timeoutMs: o.backendListTimeoutMs,
			describe: o.describeModels,
		});
	}

	/** Starts a graceful drain (first signal); safe to call more than once. */
	shutdown(): void {
		if (this.draining.signal.aborted) return;
		this.o.logger.info("shutting down: no new jobs; waiting for running ones", {
			running: this.running.size,
			graceMs: this.o.drainGraceMs,
		});
		this.draining.abort();
	}

	/** Runs until shutdown or revocation; resolves with the process exit code (0 or 78). */
	async run(): Promise<number> {
		await this.backendWatch.discover(this.draining.signal);
		const telemetry = this.startTelemetry();
		try {
			while (!this.draining.signal.aborted && !this.revoked) {
				const free = this.o.slots - this.running.size;
				if (free <= 0) {
					await this.waitForSlot();
					continue;
				}
				await this.pollOnce(free);
			}
			await this.drain();
		} finally {
			telemetry.stop();
		}
		if (this.revoked) {
			this.o.logger.error("this node was revoked by an operator; stopping. Enroll again with a new token to rejoin.");
			return EXIT_REVOKED;
		}
		this.o.logger.info("stopped");
		return 0;
	}

	private async pollOnce(free: number): Promise<void> {
		try {
			const answer = await this.o.edge.poll(
				{
					maxJobs: Math.min(free, 64),
					waitMs: this.o.pollWaitMs,
					models: this.backendWatch.models,
					slots: this.o.slots,
				},
				this.draining.signal,
			);
			this.status.ok();
			this.backoff.reset();
			for (const job of answer.jobs) this.start(job);
			// The jobs' backend requests leave on process.nextTick; the next poll's frame would be written
			// before them, on each job's critical path. Let them go first.
			if (answer.jobs.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
		} catch (err) {
			if (this.draining.signal.aborted) return;
			this.onEdgeError(err, "poll");
			await sleep(this.backoff.next(), this.draining.signal);
		}
	}

	private onEdgeError(err: unknown, what: string): void {
		if (err instanceof EdgeHttpError && err.revoked) {
			this.revoke();
		} else if (err instanceof EdgeHttpError && err.status === 401) {
			this.status.unauthorised(`${what}: ${err.message}`);
		} else if (err instanceof EdgeHttpError && !err.transient) {
			this.o.logger.error(`${what}: the edge refused the request`, { status: err.status, error: err.message });
		} else {
			this.status.failed(errorMessage(err));
		}
	}

	private revoke(): void {
		this.revoked = true;
		this.draining.abort();
		this.hardStop.abort();
		for (const r of this.running.values()) r.abort.abort("shutdown");
	}

	private start(job: LeasedJob): void {
		const running: RunningJob = {
			job,
			abort: new AbortController(),
			queued: true,
			leaseExpiresAt: job.leaseExpiresAt,
			startedAt: Date.now(),
		};
		// The same lease delivered twice is one claim, already running; another attempt of a job is a new lease.
		if (!this.running.add(running)) return;
		const p = runJob(running, {
			backend: this.o.backend,
			edge: this.o.edge,
			logger: this.o.logger,
			onTokens: (n) => {
				this.tokens += n;
				this.o.onTokens?.(n);
			},
			hardStop: this.hardStop.signal,
			backendIdleTimeoutMs: this.o.backendIdleTimeoutMs,
			meter: this.o.meter,
			tracing: this.o.tracing,
		}).then((outcome) => {
			this.o.onJobEnded?.(outcome);
			if (outcome.kind === "stopped" && outcome.reason === "revoked") this.revoke();
			// A job stopped by the shutdown stays listed so drain() can release its lease.
			if (!(outcome.kind === "stopped" && outcome.reason === "shutdown")) this.running.delete(running);
			this.jobPromises.delete(p);
			this.slotFreed?.();
		});
		this.jobPromises.add(p);
	}

	private waitForSlot(): Promise<void> {
		return new Promise((resolve) => {
			const done = () => {
				this.slotFreed = null;
				this.draining.signal.removeEventListener("abort", done);
				resolve();
			};
			this.slotFreed = done;
			this.draining.signal.addEventListener("abort", done, { once: true });
		});
	}

	/**
	 * Lets running jobs finish within the grace, then cuts what is still in
	 * flight (backend requests, event posts to an edge that may not answer) and
	 * hands the rest back within RELEASE_TIMEOUT_MS: the drain ends within
	 * grace + RELEASE_TIMEOUT_MS whatever the edge does, inside systemd's stop timeout.
	 */
	private async drain(): Promise<void> {
		if (this.jobPromises.size > 0 && !this.revoked) {
			const grace = new AbortController();
			const all = Promise.all([...this.jobPromises]);
			await Promise.race([all, sleep(this.o.drainGraceMs, grace.signal)]);
			grace.abort();
		}
		const unfinished = [...this.running.values()];
		if (unfinished.length === 0) return;
		for (const r of unfinished) r.abort.abort("shutdown");
		this.hardStop.abort();
		await Promise.all([...this.jobPromises]);
		if (this.revoked) return;
		this.o.logger.warn("grace period over; releasing unfinished jobs", { count: unfinished.length });
		try {
			const leases = unfinished.map((r) => ({ jobId: r.job.jobId, leaseId: r.job.leaseId }));
			await this.o.edge.release({ leases }, RELEASE_TIMEOUT_MS);
		} catch (err) {
			this.o.logger.error("could not release jobs; they will be re-queued when their leases expire", {
				error: errorMessage(err),
			});
		}
		for (const r of unfinished) this.running.delete(r);
	}

	private startTelemetry(): { stop(): void } {
		const build = createTelemetryBuilder({
			gpu: this.o.gpu,
			host: this.o.host,
			...(this.o.power ? { power: this.o.power } : {}),
			models: () => this.backendWatch.models,
			modelDetails: () => this.backendWatch.details,
			backendProblem: () => this.backendWatch.problem,
			slots: this.o.slots,
			running: () => this.running.current().values(),
			takeTokens: () => {
				const n = this.tokens;
				this.tokens = 0;
				return n;
			},
			onGpuSample: (sample) => this.noteGpuSample(sample),
		});
		let busy = false;
		const tick = async () => {
			if (busy || this.revoked) return;
			busy = true;
			let sent: TelemetryRequest | null = null;
			try {
				const body = await build();
				sent = body;
				const answer = await this.o.edge.telemetry(body);
				this.status.ok();
				for (const r of applyTelemetryResponse(answer, this.running.current())) {
					this.o.logger.info("edge asked to stop job", { jobId: r.job.jobId, attempt: r.job.attempt });
					r.abort.abort("cancelled");
				}
			} catch (err) {
				this.onEdgeError(err, "telemetry");
			} finally {
				busy = false;
				if (sent) this.reportStatus(sent);
			}
		};
		// The model refresh runs beside the heartbeat, never in front of it: a backend that does not
		// answer must not stop lease renewal.
		const both = () => {
			this.backendWatch.refresh();
			void tick();
		};
		void tick();
		const timer = setInterval(both, this.o.telemetryIntervalMs);
		return { stop: () => clearInterval(timer) };
	}

	private noteGpuSample(sample: GpuSample): void {
		const problem = sample.problem ?? null;
		if (problem !== null && this.gpuProblem === null) {
			const what =
				sample.hardware === "nvidia-smi"
					? "nvidia-smi lost GPUs; reporting the others until it reads them all"
					: "nvidia-smi failed; reporting simulated GPU readings until it answers";
			this.o.logger.warn(what, { error: problem });
		} else if (problem === null && this.gpuProblem !== null) {
			this.o.logger.info("nvidia-smi answers again");
		}
		this.gpuProblem = problem;
	}

	private reportStatus(telemetry: TelemetryRequest): void {
		if (!this.o.onStatus) return;
		try {
			this.o.onStatus({
				telemetry,
				connection: this.status.state,
				transport: this.o.edge.channelOpen ? "websocket" : "http",
				draining: this.draining.signal.aborted,
				running: [...this.running.values()],
				gpuProblem: this.gpuProblem,
				backendProblem: this.backendWatch.problem,
			});
		} catch (err) {
			this.o.logger.debug("could not write status", { error: errorMessage(err) });
		}
	}
}
