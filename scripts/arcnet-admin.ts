/**
 * `npm run admin -- <command>`: the operator CLI for keys and tenants
 * (scripts/admin-cli.ts; `npm run admin -- help` prints the usage).
 */
import { runAdminCli } from "./admin-cli.js";

process.exitCode = await runAdminCli(process.argv.slice(2), {
	env: process.env,
	cwd: process.cwd(),
	fetch,
	stdout: (text) => console.log(text),
	stderr: (text) => console.error(text),
});
