/**
 * Measures the GPU energy of each job while jobs run. The node's GPUs are
 * read at every job start and end and every `intervalMs` in between; each
 * interval's energy goes to the jobs that ran through it, in proportion to
 * the output tokens each produced in it (evenly when none did, as in
 * prefill). A GPU's energy over an interval is the difference of its
 * `total_energy_consumption` counter where nvidia-smi offers one, else the
 * mean of its `power.draw` at both ends times the interval. A job any of
 * whose intervals could not be read reports nothing, and the edge keeps its
 * estimate: a partial figure would look measured and be too low.
 */

/** One GPU's reading: draw in W and the driver's energy counter in mJ, null where nvidia-smi gives none. */
export interface GpuPowerReading {
	powerW: number | null;
	totalEnergyMj: number | null;
}

/** Reads every GPU once; rejects when nothing can be read. */
export type ReadGpuPower = () => Promise<GpuPowerReading[]>;

interface Sample {
	at: number;
	gpus: GpuPowerReading[];
}

interface JobMeter {
	/** True until the reading its begin() asked for: the interval before it is not the job's. */
	pending: boolean;
	joules: number;
	/** Tokens since the last sample. */
	tokens: number;
	measured: boolean;
}

export interface EnergyMeterOptions {
	read: ReadGpuPower;
	/** Read at least this often while a job runs (ms). Default 1000; 0: only at job starts and ends. */
	intervalMs?: number;
	now?: () => number;
}

/** Energy in J of one interval over all GPUs, or null when no GPU gave a usable figure. */
export function intervalJoules(from: Sample, to: Sample): number | null {
	const seconds = Math.max(0, (to.at - from.at) / 1000);
	let joules = 0;
	let read = false;
	for (const [i, end] of to.gpus.entries()) {
		const start = from.gpus[i];
		if (!start) continue;
		if (start.totalEnergyMj !== null && end.totalEnergyMj !== null && end.totalEnergyMj >= start.totalEnergyMj) {
			joules += (end.totalEnergyMj - start.totalEnergyMj) / 1000;
			read = true;
			continue;
		}
		const draws = [start.powerW, end.powerW].filter((w): w is number => w !== null);
		if (draws.length === 0) continue;
		joules += (draws.reduce((a, b) => a + b, 0) / draws.length) * seconds;
		read = true;
	}
	return read ? joules : null;
}

/** Per-job energy from the node's GPU readings; see the module comment. */
export class EnergyMeter {
	readonly #read: ReadGpuPower;
	readonly #now: () => number;
	readonly #intervalMs: number;
	readonly #jobs = new Map<string, JobMeter>();
	#last: Sample | null = null;
	#chain: Promise<void> = Promise.resolve();
	#timer: ReturnType<typeof setInterval> | null = null;

	constructor(options: EnergyMeterOptions) {
		this.#read = options.read;
		this.#now = options.now ?? Date.now;
		this.#intervalMs = options.intervalMs ?? 1000;
	}

	/** Starts metering a job at once (its tokens count from now); its share begins at the reading this asks for. */
	begin(jobId: string): Promise<void> {
		this.#jobs.set(jobId, { pending: true, joules: 0, tokens: 0, measured: true });
		if (this.#timer === null && this.#intervalMs > 0) {
			this.#timer = setInterval(() => void this.sample(), this.#intervalMs);
			this.#timer.unref?.();
		}
		return this.sample();
	}

	/** Counts a job's output tokens, which set its share of the current interval. */
	addTokens(jobId: string, count: number): void {
		const job = this.#jobs.get(jobId);
		if (job) job.tokens += count;
	}

	/** Takes a reading now and shares the interval since the last one. */
	sample(): Promise<void> {
		return this.#then(() => {});
	}

	/** Stops metering a job after a last reading; its joules, or null when it was not measured throughout. */
	end(jobId: string): Promise<number | null> {
		let result: number | null = null;
		return this.#then(() => {
			const job = this.#jobs.get(jobId);
			this.#jobs.delete(jobId);
			if (this.#jobs.size === 0 && this.#timer !== null) {
				clearInterval(this.#timer);
				this.#timer = null;
			}
			result = job?.measured ? job.joules : null;
		}).then(() => result);
	}

	/** Reads, shares the interval, then runs `after`; one reading at a time, in call order. */
	#then(after: () => void): Promise<void> {
		this.#chain = this.#chain.then(async () => {
			await this.#take();
			after();
		});
		return this.#chain;
	}

	async #take(): Promise<void> {
		let sample: Sample | null = null;
		try {
			sample = { gpus: await this.#read(), at: this.#now() };
		} catch {
			sample = null;
		}
		const last = this.#last;
		this.#last = sample;
		const sharing = [...this.#jobs.values()].filter((job) => !job.pending);
		for (const job of this.#jobs.values()) job.pending = false;
		if (sharing.length === 0) return;
		const joules = last && sample ? intervalJoules(last, sample) : null;
		let tokens = 0;
		for (const job of sharing) tokens += job.tokens;
		for (const job of sharing) {
			if (joules === null) job.measured = false;
			else job.joules += joules * (tokens > 0 ? job.tokens / tokens : 1 / sharing.length);
			job.tokens = 0;
		}
	}
}
