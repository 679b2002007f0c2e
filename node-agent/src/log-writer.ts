/**
 * Where the running agent's log lines go: stderr, but written once per turn
 * of the event loop. Writes to a pipe (systemd's journal, a supervisor) are
 * synchronous system calls, and the agent logs two lines per job; written as
 * they came, the `job started` line went out between receiving a job and
 * sending it to the backend. Lines logged in one turn now leave together,
 * after that turn's network writes, and whatever is pending is written
 * synchronously when the process exits.
 */

/** A line writer that queues lines and writes them to `sink` in one call, from setImmediate. */
export function coalescingWriter(sink: (text: string) => void = (text) => process.stderr.write(text)): {
	write: (line: string) => void;
	flush: () => void;
} {
	let pending = "";
	let scheduled = false;
	const flush = () => {
		scheduled = false;
		if (pending.length === 0) return;
		const text = pending;
		pending = "";
		sink(text);
	};
	process.once("exit", flush);
	return {
		write: (line) => {
			pending += `${line}\n`;
			if (!scheduled) {
				scheduled = true;
				setImmediate(flush);
			}
		},
		flush,
	};
}
