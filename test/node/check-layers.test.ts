import { describe, expect, it } from "vitest";
import { findViolations } from "../../scripts/check-layers.js";
import { importViolation } from "../../scripts/layer-rules.js";

describe("the import-direction check", () => {
	it("refuses an object importing the Worker's HTTP layer, naming both files and the rule", () => {
		const problem = importViolation("durable-objects/geozone/nodes/channel.ts", "src/http/errors.ts");
		expect(problem).toContain("durable-objects/geozone/nodes/channel.ts imports src/http/errors.ts");
		expect(problem).toContain("only the protocol and contract layer");
		expect(problem).toContain("docs/adr/0015-one-way-layers.md");
	});

	it("lets the objects import the protocol and contract layer", () => {
		expect(importViolation("durable-objects/geozone/jobs/job-queue.ts", "src/protocol/agent-wire.ts")).toBeNull();
		expect(importViolation("durable-objects/geozone/alarm/history-flush.ts", "src/db/schema.ts")).toBeNull();
		expect(
			importViolation("durable-objects/geozone/jobs/job-queue.ts", "durable-objects/geozone/contract.ts"),
		).toBeNull();
	});

	it("refuses the Worker importing an object's internals, but not its RPC contract", () => {
		expect(importViolation("src/jobs-api/handlers.ts", "durable-objects/geozone/config.ts")).toContain(
			"only the RPC contracts",
		);
		expect(importViolation("src/routing/dispatch.ts", "durable-objects/geozone/contract.ts")).toBeNull();
		expect(importViolation("src/limits/resolve.ts", "durable-objects/key-limiter/contract.ts")).toBeNull();
	});

	it("lets only src/index.ts import the object classes, for export", () => {
		expect(importViolation("src/index.ts", "durable-objects/geozone-do.ts")).toBeNull();
		expect(importViolation("src/app.ts", "durable-objects/geozone-do.ts")).not.toBeNull();
	});

	it("keeps the protocol layer free of both sides", () => {
		expect(importViolation("src/protocol/job-object.ts", "durable-objects/geozone/contract.ts")).not.toBeNull();
		expect(importViolation("src/protocol/event-refusal.ts", "src/http/errors.ts")).not.toBeNull();
		expect(importViolation("src/protocol/job-object.ts", "src/protocol/openai.ts")).toBeNull();
	});

	it("lets the agent import only the wire protocol", () => {
		expect(importViolation("node-agent/edge-client.ts", "src/protocol/agent-wire.ts")).toBeNull();
		expect(importViolation("node-agent/edge-client.ts", "src/http/errors.ts")).not.toBeNull();
		expect(importViolation("node-agent/edge-client.ts", "durable-objects/geozone/contract.ts")).not.toBeNull();
	});

	it("finds no violation in this tree", () => {
		expect(findViolations()).toEqual([]);
	});
});
