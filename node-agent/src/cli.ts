/**
 * Entry point of the `arcnet-agent` bundle. Exits explicitly so that idle
 * keep-alive sockets cannot hold the process open after a drain.
 */
import { main } from "./main.js";

process.exit(await main(process.argv.slice(2), process.env));
