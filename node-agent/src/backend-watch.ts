/**
 * Keeps the backend's model list for polls and telemetry. Every listing has a
 * timeout and at most one is in flight, and nothing else waits for it: a
 * backend whose /v1/models never answers once stopped every later heartbeat,
 * and with them lease renewal. A backend that stops answering is logged once
 * (and once when it answers again) and reported in telemetry while it lasts.
 * When the model list changes, the watch asks the backend what it serves of
 * each model (./backends/model-details.ts), off every other path too.
 */
import type { ModelDetail } from "../../src/protocol/agent-wire.js";
import type { Backend } from "./backends/index.js";
import type { ModelDescriber } from "./backends/model-details.js";
import { Backoff, sleep } from "./backoff.js";
import { deadline } from "./deadline.js";
import { errorMessage, type Logger } from "./logger.js";

/** Default time one model listing may take, in ms. */
export const BACKEND_LIST_TIMEOUT_MS = 10_000;

/** Most models reported (the wire allows 100). */
const MAX_MODELS = 100;

export interface BackendWatchOptions {
	backend: Backend;
	logger: Logger;
	/** Longest one model listing may take, in ms. Default BACKEND_LIST_TIMEOUT_MS. */
	timeoutMs?: number | undefined;
	/** Learns each model's endpoints, inputs and context length; without it telemetry sends no details. */
	describe?: ModelDescriber | undefined;
}

export class BackendWatch {
	/** The models the backend listed last; kept while it does not answer. */
	models: string[] = [];
	/** Why the last listing failed, or null while the backend answers. */
	problem: string | null = null;
	/** What the backend serves of each model in `models`, as last described; empty until described. */
	details: ModelDetail[] = [];
	private describedFor = "";
	private describing = false;
	private refreshing = false;
	private readonly timeoutMs: number;

	constructor(private readonly o: BackendWatchOptions) {
		this.timeoutMs = o.timeoutMs ?? BACKEND_LIST_TIMEOUT_MS;
	}

	/** Lists models until the backend serves at least one, or `signal` aborts (shutdown). */
	async discover(signal: AbortSignal): Promise<void> {
		const backoff = new Backoff({ baseMs: 500, capMs: 15_000 });
		while (!signal.aborted) {
			try {
				const models = await this.list(signal);
				if (models.length > 0) {
					this.models = models.slice(0, MAX_MODELS);
					this.problem = null;
					this.o.logger.info("backend ready", { backend: this.o.backend.kind, models: this.models.join(",") });
					await this.describeIfChanged();
					return;
				}
				this.o.logger.warn("backend serves no models yet; retrying", { backend: this.o.backend.kind });
			} catch (err) {
				if (signal.aborted) return;
				if (backoff.attempts === 0) this.o.logger.warn("backend not ready; retrying", { error: errorMessage(err) });
			}
			await sleep(backoff.next(), signal);
		}
	}

	/** Starts one refresh unless one is in flight; never throws, and nobody waits for it. */
	refresh(): void {
		if (this.refreshing || this.o.backend.kind === "simulated") return;
		this.refreshing = true;
		void this.list()
			.then(
				(models) => {
					if (models.length > 0) this.models = models.slice(0, MAX_MODELS);
					void this.describeIfChanged();
					if (this.problem !== null) this.o.logger.info("backend answers again", { backend: this.o.backend.kind });
					this.problem = null;
				},
				(err: unknown) => {
					const problem = errorMessage(err).slice(0, 500);
					if (this.problem === null) {
						this.o.logger.warn("backend stopped answering; keeping its last model list", {
							backend: this.o.backend.kind,
							error: problem,
						});
					}
					this.problem = problem;
				},
			)
			.finally(() => {
				this.refreshing = false;
			});
	}

	/** Describes the models when the list differs from the one last described; one at a time, cut after timeoutMs. */
	private async describeIfChanged(): Promise<void> {
		const describe = this.o.describe;
		const key = this.models.join("\n");
		if (!describe || this.describing || key === this.describedFor) return;
		this.describing = true;
		const timeout = deadline(this.timeoutMs);
		try {
			const models = [...this.models];
			this.details = await describe(models, timeout.signal);
			this.describedFor = models.join("\n");
		} catch (err) {
			this.o.logger.warn("could not describe the backend's models; reporting none", { error: errorMessage(err) });
		} finally {
			timeout.release();
			this.describing = false;
		}
	}

	/** One listing, cut after timeoutMs (or when `signal` aborts). */
	private async list(signal?: AbortSignal): Promise<string[]> {
		const timeout = deadline(this.timeoutMs, signal);
		try {
			return await this.o.backend.listModels(timeout.signal);
		} catch (err) {
			if (timeout.timedOut) throw new Error(`model list: no answer within ${this.timeoutMs} ms`, { cause: err });
			throw err;
		} finally {
			timeout.release();
		}
	}
}
