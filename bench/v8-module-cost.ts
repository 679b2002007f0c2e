/**
 * The share of a cold start that is the script's own: V8 compiling the
 * bundle as a module and evaluating its top level (schemas built, the router
 * assembled), in a fresh Node process (the same engine as workerd, without
 * workerd's start around it, whose noise on a busy machine hides tens of ms).
 * The probe is plain JavaScript run with `node -e`, so no loader runs beside
 * it; `cloudflare:workers` is stubbed with empty classes.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { z } from "zod";

/** Compiles and evaluates the module at process.argv[1]; prints {"compileMs","evaluateMs"}. */
const PROBE = `
import { readFileSync } from "node:fs";
import vm from "node:vm";
const file = process.argv[1];
const stubs = { "cloudflare:workers": ["DurableObject", "WorkerEntrypoint", "RpcTarget", "env"] };
const code = readFileSync(file, "utf8");
const t0 = performance.now();
const mod = new vm.SourceTextModule(code, { identifier: file });
const t1 = performance.now();
await mod.link((specifier) => {
	const names = stubs[specifier];
	if (!names) throw new Error(file + " imports " + specifier + ", which has no stub here");
	return new vm.SyntheticModule(names, function () { for (const n of names) this.setExport(n, class {}); });
});
const t2 = performance.now();
await mod.evaluate();
console.log(JSON.stringify({ compileMs: t1 - t0, evaluateMs: performance.now() - t2 }));
`;

const resultSchema = z.object({ compileMs: z.number(), evaluateMs: z.number() });
export type ModuleCost = z.infer<typeof resultSchema>;

/** V8's compile and top-level evaluation of the ES module `file`, in a fresh process, in ms. */
export async function v8ModuleCost(file: string): Promise<ModuleCost> {
	const { stdout } = await promisify(execFile)(
		process.execPath,
		["--no-warnings", "--experimental-vm-modules", "--input-type=module", "-e", PROBE, file],
		{ timeout: 60_000 },
	);
	return resultSchema.parse(JSON.parse(stdout.trim().split("\n").at(-1) ?? ""));
}
