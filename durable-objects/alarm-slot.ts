/**
 * A Durable Object's one alarm, with its time remembered in memory so that
 * the re-plan after every RPC costs no storage call when the time does not
 * change (the common case: a job accepted or finished rarely moves the
 * earliest deadline). Only this object sets its alarm, so the memory is exact
 * while the instance lives; a new instance reads the stored alarm once.
 * When the alarm fires the runtime clears it, so `fired()` forgets it; if the
 * handler throws, the runtime retries on its own schedule and `unknown()`
 * makes the next plan read storage again.
 */
export class AlarmSlot {
	readonly #storage: DurableObjectStorage;
	/** The stored alarm (epoch ms), null for none, undefined before the first read. */
	#at: number | null | undefined;

	constructor(storage: DurableObjectStorage) {
		this.#storage = storage;
	}

	/** Sets the alarm to `at`, or deletes it for null; no storage call when it is already so. */
	async set(at: number | null): Promise<void> {
		if (this.#at === undefined) this.#at = await this.#storage.getAlarm();
		if (at === this.#at) return;
		if (at === null) await this.#storage.deleteAlarm();
		else await this.#storage.setAlarm(at);
		this.#at = at;
	}

	/**
	 * Makes sure the alarm fires no later than `at`: it is only moved earlier
	 * (or set when there is none). An alarm that fires early finds little to do
	 * and plans again exactly, so this saves a storage call on every RPC whose
	 * deadline moved a little later (a node seen again, a lease renewed).
	 * With `at` null nothing is due, and a set alarm is left to fire and clear itself.
	 */
	async atMost(at: number | null): Promise<void> {
		if (this.#at === undefined) this.#at = await this.#storage.getAlarm();
		if (at === null || (this.#at !== null && this.#at <= at)) return;
		await this.#storage.setAlarm(at);
		this.#at = at;
	}

	/** True when the alarm is known to be set to fire at or before `at` (epoch ms). */
	firesBy(at: number): boolean {
		return this.#at !== undefined && this.#at !== null && this.#at <= at;
	}

	/** The alarm is running: the runtime has cleared it. */
	fired(): void {
		this.#at = null;
	}

	/** The stored alarm is no longer known (the handler failed and the runtime will retry). */
	unknown(): void {
		this.#at = undefined;
	}
}
