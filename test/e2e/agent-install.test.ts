/**
 * docs/agent.md's systemd install steps, run as written: the commands of its
 * "systemd" block, as root, with a system user made by useradd (removed
 * afterwards) and a root-owned stand-in for /var/lib, /etc and /usr/local/bin
 * under a temporary directory, enrolling against a local edge. systemd does
 * not run in this container, so the `systemctl` line is replaced by starting
 * the unit's ExecStart= by hand, as its User= with its Environment= and
 * EnvironmentFile=, through setpriv; the agent must then serve a request.
 * Not root, or without the tools, the test says so and is skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_BUNDLE } from "../support/agent-process.js";
import { createEnrollmentToken, postChatCompletion, waitForModel } from "../support/edge-client.js";
import { expectedCompletion, type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { REPO_ROOT } from "../support/local-edge.js";
import { type ManagedProcess, runToCompletion, spawnManaged } from "../support/managed-process.js";
import { type MiniflareEdge, startMiniflareEdge } from "../support/miniflare-edge.js";

const MODEL = "llama-3.1-8b-instruct";
const TOOLS = ["useradd", "userdel", "runuser", "setpriv", "install"];

function onPath(tool: string): boolean {
	return (process.env.PATH ?? "").split(":").some((dir) => dir && existsSync(join(dir, tool)));
}

function whySkipped(): string | null {
	if (process.getuid?.() !== 0) return "not root: useradd and runuser need root";
	const missing = TOOLS.filter((t) => !onPath(t));
	if (missing.length > 0) return `missing on PATH: ${missing.join(", ")}`;
	if (!existsSync(AGENT_BUNDLE)) return `${AGENT_BUNDLE} is missing: run npm run build:agent`;
	return null;
}
const skipped = whySkipped();
if (skipped) console.warn(`agent-install.test.ts: skipped, ${skipped}`);

/** The commands of docs/agent.md's systemd block, one per line. */
function documentedSteps(): string[] {
	const doc = readFileSync(join(REPO_ROOT, "docs", "agent.md"), "utf8");
	const section = doc.slice(doc.indexOf("\n## systemd\n"));
	const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
	if (!block) throw new Error("docs/agent.md: no sh block under ## systemd");
	return block.split("\n").filter((l) => l.trim() !== "");
}

/** The [Service] settings of a unit file; repeated keys keep every value. */
function serviceSettings(unit: string): Map<string, string[]> {
	const settings = new Map<string, string[]>();
	let inService = false;
	for (const raw of unit.split("\n")) {
		const line = raw.trim();
		if (line.startsWith("[")) inService = line === "[Service]";
		const eq = line.indexOf("=");
		if (!inService || line.startsWith("#") || eq < 0) continue;
		const key = line.slice(0, eq);
		settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1)]);
	}
	return settings;
}

const user = `arcnet-t${process.pid}`;
const root = mkdtempSync(join(tmpdir(), "arcnet-install-"));
/** Puts the documented system paths, the user and the backend under test; the commands stay as written. */
function localise(text: string, backendUrl: string): string {
	return text
		.replaceAll("/var/lib/", `${root}/var/lib/`)
		.replaceAll("/etc/", `${root}/etc/`)
		.replaceAll("/usr/local/bin/", `${root}/usr/local/bin/`)
		.replaceAll("http://127.0.0.1:8000", backendUrl)
		.replace(/(?<![\w/.-])arcnet(?![\w.-])/g, user);
}
const PATH = `${root}/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin`;

let edge: MiniflareEdge | undefined;
let fake: FakeOpenAIServer | undefined;
let agent: ManagedProcess | undefined;
let userAdded = false;

describe.skipIf(skipped !== null)("docs/agent.md systemd install steps", () => {
	beforeAll(async () => {
		chmodSync(root, 0o755);
		for (const dir of ["var/lib", "etc/systemd/system", "usr/local/bin"]) {
			execFileSync("install", ["-d", "-m", "0755", join(root, dir)]);
		}
		fake = await startFakeOpenAI({ models: [MODEL] });
		edge = await startMiniflareEdge({ persistDir: join(root, "edge") });
	}, 180_000);

	afterAll(async () => {
		await agent?.kill();
		// Whether or not useradd got as far as creating it; userdel's own status is not the test's result.
		if (userAdded) spawnSync("userdel", [user], { stdio: "ignore" });
		await edge?.stop();
		await fake?.close();
		rmSync(root, { recursive: true, force: true });
	});

	it("enrolls as a system user on a root-owned /var/lib and runs the unit's ExecStart as that user", async () => {
		if (!edge || !fake) throw new Error("the edge or the fake backend did not start");
		const { token } = await createEnrollmentToken(edge, "eu-stockholm", { note: "install test" });
		const steps = documentedSteps();
		expect(steps.some((s) => s.startsWith("useradd --system"))).toBe(true);
		for (const step of steps) {
			if (step.startsWith("systemctl ")) continue;
			if (step.startsWith("useradd ")) userAdded = true;
			await runToCompletion({
				name: step.split(" ")[0] ?? "step",
				command: "bash",
				args: ["-euo", "pipefail", "-c", localise(step, fake.url)],
				cwd: REPO_ROOT,
				env: { EDGE: edge.url, TOKEN: token, PATH },
				timeoutMs: 60_000,
			});
		}
		const stateDir = `${root}/var/lib/arcnet-agent`;
		const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
		expect(statSync(stateDir)).toMatchObject({ uid });
		expect(statSync(stateDir).mode & 0o777).toBe(0o700);
		expect(statSync(join(stateDir, "identity.json"))).toMatchObject({ uid });
		expect(statSync(join(stateDir, "identity.json")).mode & 0o777).toBe(0o600);

		// What `systemctl enable --now` would start, read from the installed unit.
		const unit = serviceSettings(readFileSync(`${root}/etc/systemd/system/arcnet-agent.service`, "utf8"));
		const unitUser = unit.get("User")?.[0];
		const execStart = unit.get("ExecStart")?.[0];
		if (unitUser !== "arcnet" || !execStart) throw new Error("the unit has no User=arcnet or no ExecStart=");
		const env = [`PATH=${PATH}`, ...(unit.get("Environment") ?? []).map((e) => localise(e, fake?.url ?? ""))];
		for (const file of unit.get("EnvironmentFile") ?? []) {
			const path = localise(file.replace(/^-/, ""), fake.url);
			if (existsSync(path))
				env.push(
					...readFileSync(path, "utf8")
						.split("\n")
						.filter((l) => l.includes("=")),
				);
		}
		agent = spawnManaged({
			name: "arcnet-agent (ExecStart)",
			command: "setpriv",
			args: [
				"--reuid",
				String(uid),
				"--regid",
				String(uid),
				"--init-groups",
				"env",
				"-i",
				...env,
				...execStart.split(" "),
			],
			cwd: "/",
		});
		try {
			await waitForModel(edge, MODEL, 60_000);
			const messages = [{ role: "user" as const, content: "installed by the book" }];
			const res = await postChatCompletion(edge, { model: MODEL, messages });
			const body = (await res.json()) as { choices: { message: { content: string } }[] };
			expect(res.status).toBe(200);
			expect(body.choices[0]?.message.content).toBe(expectedCompletion(messages).content);
			expect(await agent.stop(45_000)).toBe(0);
		} catch (err) {
			console.error(agent.logs.slice(-30).join("\n"));
			throw err;
		}
	}, 180_000);
});
