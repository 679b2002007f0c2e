/**
 * Entry point of the `arcnet-agent` bundle. Exits explicitly so that idle
 * keep-alive sockets cannot hold the process open after a drain.
 */
// First: V8's flag must be set before the rest of the bundle loads.
import "./no-turbofan.js";
import { main } from "./main.js";

process.exit(await main(process.argv.slice(2), process.env));
