/**
 * Holds the KeyLimiterDO's mirror (./mirror.ts) and keeps it honest: it is
 * loaded from SQLite on first use, and dropped when a call that changes the
 * counters throws, so that the next call reloads it from SQLite instead of
 * trusting a memory that may be ahead of, or behind, what was written. A
 * write that fails to commit after the call resets the whole object
 * (the output gate), which drops the mirror with it.
 */
import { type LimiterMirror, loadLimiterMirror } from "./mirror.js";

export class LimiterStore {
	readonly #sql: SqlStorage;
	#mirror: LimiterMirror | null = null;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	/** Loads the mirror if it is not loaded (the constructor calls it under blockConcurrencyWhile). */
	load(): void {
		this.#loaded();
	}

	/** The counters now, for reading only; loaded from SQLite first if not loaded (or dropped). */
	get mirror(): Readonly<LimiterMirror> {
		return this.#loaded();
	}

	/**
	 * Runs `change`, which writes through ./mirror-writes.ts; if it throws,
	 * the mirror is dropped (and reloaded by the next call) and the error is rethrown.
	 */
	change<T>(change: (sql: SqlStorage, mirror: LimiterMirror) => T): T {
		const mirror = this.#loaded();
		try {
			return change(this.#sql, mirror);
		} catch (error) {
			this.#mirror = null;
			throw error;
		}
	}

	#loaded(): LimiterMirror {
		this.#mirror ??= loadLimiterMirror(this.#sql);
		return this.#mirror;
	}
}
