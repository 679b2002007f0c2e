/**
 * Process signals: the first SIGTERM/SIGINT starts a graceful drain, a second
 * one exits at once (130 for SIGINT, 143 for SIGTERM, as shells report them).
 * Kept apart from the work loop so tests can drive shutdown without signals.
 */

export interface SignalHandlers {
	/** Called on the first signal. */
	onShutdown(signal: NodeJS.Signals): void;
	/** Called on a second signal; defaults to process.exit with 128 + signal number. */
	onForce?(signal: NodeJS.Signals): void;
}

const EXIT_CODE: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Installs the handlers; returns a function that removes them. */
export function installSignalHandlers(handlers: SignalHandlers): () => void {
	let seen = false;
	const force = handlers.onForce ?? ((signal: NodeJS.Signals) => process.exit(EXIT_CODE[signal] ?? 1));
	const listener = (signal: NodeJS.Signals) => {
		if (seen) return force(signal);
		seen = true;
		handlers.onShutdown(signal);
	};
	process.on("SIGTERM", listener);
	process.on("SIGINT", listener);
	return () => {
		process.off("SIGTERM", listener);
		process.off("SIGINT", listener);
	};
}
