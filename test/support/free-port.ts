/**
 * Free loopback ports for servers that must be told a port up front
 * (wrangler dev takes `--port N`, not port 0). The OS picks the port; there is
 * a small window in which another process could take it, which on a test
 * machine is acceptable.
 */
import { createServer } from "node:net";

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
		});
	});
}
