/**
 * POST /v1/jobs refuses a webhook URL whose host is not on the public
 * internet with 422 naming webhook.url: loopback, private, link-local, CGNAT,
 * unique-local and IPv4-mapped addresses in every spelling the URL parser
 * accepts, and names that resolve only on a host or inside a network.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "../../src/jobs-api/job-request.js";
import { chatBody, DEV_KEY, errorOf } from "./edge-fixtures.js";

function postJob(url: string): Promise<Response> {
	return exports.default.fetch("http://edge/v1/jobs", {
		method: "POST",
		headers: { authorization: `Bearer ${DEV_KEY}`, "content-type": "application/json" },
		body: JSON.stringify({ request: chatBody(), webhook: { url } }),
	});
}

const refused: [string, string][] = [
	// Cloud metadata, by address and by name.
	["https://169.254.169.254/latest/meta-data", "link-local"],
	["https://[fd00:ec2::254]/", "unique-local"],
	["https://metadata.google.internal/computeMetadata/v1/", ".internal"],
	["https://metadata.google.internal./", ".internal"],
	// Private, CGNAT, this-network and loopback IPv4.
	["https://10.0.0.1/", "private"],
	["https://10.255.255.255/", "private"],
	["https://172.16.0.1/", "private"],
	["https://172.31.255.254/", "private"],
	["https://192.168.1.1/", "private"],
	["https://100.64.0.1/", "carrier-grade NAT"],
	["https://100.127.255.254/", "carrier-grade NAT"],
	["https://0.0.0.0/", "this-network"],
	["https://127.0.0.2/", "loopback"],
	["https://127.0.0.1:8443/", "loopback"],
	// Other spellings of the same IPv4 addresses, which the URL parser normalises.
	["https://2852039166/", "link-local"],
	["https://0xa9.0xfe.0xa9.0xfe/", "link-local"],
	["https://127.1/", "loopback"],
	["https://0/", "this-network"],
	["https://012.0.0.1/", "private"],
	// IPv6 spellings: loopback, IPv4-mapped, IPv4-compatible, link-local, unique-local, NAT64.
	["https://[::1]/", "loopback"],
	["https://[0:0:0:0:0:0:0:1]/", "loopback"],
	["https://[::]/", "unspecified"],
	["https://[::ffff:127.0.0.1]/", "IPv4-mapped"],
	["https://[::ffff:7f00:1]/", "IPv4-mapped"],
	["https://[::ffff:169.254.169.254]/", "IPv4-mapped"],
	["https://[::ffff:10.0.0.1]/", "IPv4-mapped"],
	["https://[::ffff:192.168.1.1]/", "IPv4-mapped"],
	["https://[::ffff:172.16.0.1]/", "IPv4-mapped"],
	["https://[::ffff:100.64.0.1]/", "IPv4-mapped"],
	["https://[0:0:0:0:0:ffff:7f00:2]/", "IPv4-mapped"],
	["https://[::127.0.0.1]/", "IPv4-compatible"],
	["https://[64:ff9b::a9fe:a9fe]/", "NAT64"],
	["https://[fe80::1]/", "link-local"],
	["https://[FE80:0:0:0:0:0:0:1]/", "link-local"],
	["https://[febf::1]/", "link-local"],
	["https://[fc00::1]/", "unique-local"],
	["https://[fd12:3456:789a::1]/", "unique-local"],
	// Names that resolve only on the host or inside a network.
	["https://localhost/", ".localhost"],
	["https://localhost./", ".localhost"],
	["https://LOCALHOST/", ".localhost"],
	["https://foo.localhost/", ".localhost"],
	["https://a.b.localhost../", ".localhost"],
	["https://service.internal/", ".internal"],
	["https://printer.local/", ".local"],
	["https://router.home.arpa/", ".home.arpa"],
	["https://metadata/", "single-label"],
];

describe("webhook URL address policy", () => {
	it.each(refused)("refuses %s with 422 naming webhook.url (%s)", async (url, reason) => {
		const res = await postJob(url);
		expect(res.status).toBe(422);
		const error = await errorOf(res);
		expect(error.param).toBe("webhook.url");
		expect(error.code).toBe("webhook_url_not_public");
		expect(error.type).toBe("invalid_request_error");
		expect(error.message).toContain(reason);
	});

	it.each([
		"https://hooks.example.com/arcnet",
		"https://93.184.216.34/hook",
		"https://172.32.0.1/",
		"https://100.128.0.1/",
		"https://[2606:4700:4700::1111]/hook",
		"https://xn--bcher-kva.example/hook",
	])("accepts the public destination %s", (url) => {
		expect(checkWebhookUrl(url, false).href).toBe(new URL(url).href);
	});

	it("allows http and https to loopback only when the dev var allows it, never private addresses", () => {
		expect(checkWebhookUrl("http://127.0.0.1:8787/hook", true).port).toBe("8787");
		expect(checkWebhookUrl("https://localhost/hook", true).hostname).toBe("localhost");
		expect(checkWebhookUrl("http://[::1]:9000/", true).hostname).toBe("[::1]");
		expect(() => checkWebhookUrl("https://10.0.0.1/", true)).toThrow(/private/);
		expect(() => checkWebhookUrl("https://foo.localhost/", true)).toThrow(/localhost/);
		expect(() => checkWebhookUrl("https://[::ffff:127.0.0.1]/", true)).toThrow(/IPv4-mapped/);
	});
});
