/**
 * Fake carbon-intensity APIs on 127.0.0.1 (port 0) that answer in each real
 * provider's format (shapes from data/carbon-api-formats/), record
 * every request, and can be switched to fail: HTTP 500, never answer, a body
 * that is not JSON, or a JSON body of the wrong shape. Servers are unref'd and
 * close their open connections on `close()`, so a forgotten one cannot keep
 * the test process alive.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the next requests are answered. */
export type FakeMode = "ok" | "http-500" | "hang" | "not-json" | "malformed";

/** One request as the fake saw it. */
export interface RecordedRequest {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: IncomingMessage["headers"];
}

/** A running fake provider. */
export interface FakeServer {
	baseUrl: string;
	requests: RecordedRequest[];
	/** How data requests are answered (WattTime's login has its own switch). */
	mode: FakeMode;
	close(): Promise<void>;
}

type Reply = { status: number; body: unknown };
type Route = (req: RecordedRequest) => Reply;

const MALFORMED_BODY = { unexpected: true };
/** Even a hung request is released after this long, so nothing outlives a test run. */
const HANG_LIMIT_MS = 30_000;

async function startFake(route: Route, modeFor?: (req: RecordedRequest) => FakeMode): Promise<FakeServer> {
	const hung = new Set<ServerResponse>();
	const fake: FakeServer = { baseUrl: "", requests: [], mode: "ok", close: async () => {} };
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? "/", "http://127.0.0.1");
		const recorded = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers };
		fake.requests.push(recorded);
		const mode = modeFor ? modeFor(recorded) : fake.mode;
		if (mode === "hang") {
			hung.add(res);
			setTimeout(() => res.destroy(), HANG_LIMIT_MS).unref();
			return;
		}
		const reply: Reply =
			mode === "http-500"
				? { status: 500, body: { error: "fake outage" } }
				: mode === "malformed"
					? { status: 200, body: MALFORMED_BODY }
					: route(recorded);
		res.writeHead(reply.status, { "content-type": "application/json" });
		res.end(mode === "not-json" ? "<html>gateway error</html>" : JSON.stringify(reply.body));
	});
	server.unref();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	fake.baseUrl = `http://127.0.0.1:${port}`;
	fake.close = () =>
		new Promise<void>((resolve) => {
			for (const res of hung) res.destroy();
			server.closeAllConnections();
			server.close(() => resolve());
		});
	return fake;
}

const notFound = (what: string): Reply => ({ status: 404, body: { error: `unknown ${what}` } });

/** Electricity Maps v3: `/v3/carbon-intensity/latest?zone=`, requires header `auth-token: apiKey`. */
export function startFakeElectricityMaps(opts: {
	apiKey: string;
	zones: Record<string, { carbonIntensity: number; datetime: string }>;
}) {
	return startFake((req) => {
		if (req.headers["auth-token"] !== opts.apiKey) return { status: 401, body: { message: "Invalid auth-token" } };
		if (req.path !== "/v3/carbon-intensity/latest") return notFound(`path ${req.path}`);
		const zone = req.query.get("zone") ?? "";
		const point = opts.zones[zone];
		if (!point) return notFound(`zone ${zone}`);
		return {
			status: 200,
			body: {
				zone,
				...point,
				updatedAt: point.datetime,
				createdAt: point.datetime,
				emissionFactorType: "lifecycle",
				isEstimated: false,
				estimationMethod: null,
			},
		};
	});
}

/** A running fake WattTime, with a switch for its login endpoint and the ability to revoke tokens. */
export interface FakeWattTime extends FakeServer {
	loginMode: FakeMode;
	/** Number of successful logins so far. */
	logins: number;
	/** Invalidate every token issued so far (the next data call answers 401). */
	revokeTokens(): void;
}

/** WattTime v3: `/login` with Basic auth issues a token; `/v3/forecast` needs `Authorization: Bearer <token>`. */
export async function startFakeWattTime(opts: {
	username: string;
	password: string;
	regions: Record<string, { point_time: string; value: number }[]>;
	units?: string;
}): Promise<FakeWattTime> {
	const valid = new Set<string>();
	const basic = `Basic ${Buffer.from(`${opts.username}:${opts.password}`, "utf8").toString("base64")}`;
	let wt: FakeWattTime | undefined;
	const fake = await startFake(
		(req) => {
			if (req.path === "/login") {
				if (req.headers.authorization !== basic) return { status: 403, body: { error: "bad credentials" } };
				if (wt) wt.logins++;
				const token = `tok-${crypto.randomUUID()}`;
				valid.add(token);
				return { status: 200, body: { token } };
			}
			const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
			if (!valid.has(bearer)) return { status: 401, body: { error: "invalid token" } };
			if (req.path !== "/v3/forecast") return notFound(`path ${req.path}`);
			const region = req.query.get("region") ?? "";
			const data = opts.regions[region];
			if (!data || req.query.get("signal_type") !== "co2_moer") return notFound(`region ${region}`);
			return {
				status: 200,
				body: {
					data,
					meta: {
						data_point_period_seconds: 300,
						region,
						warnings: [],
						signal_type: "co2_moer",
						model: { date: "2023-03-01" },
						units: opts.units ?? "lbs_co2_per_mwh",
						generated_at_period_seconds: 300,
						generated_at: data[0]?.point_time,
					},
				},
			};
		},
		(req) => (req.path === "/login" ? (wt?.loginMode ?? "ok") : (wt?.mode ?? "ok")),
	);
	wt = Object.assign(fake, { loginMode: "ok" as FakeMode, logins: 0, revokeTokens: () => valid.clear() });
	return wt;
}

/** UK Carbon Intensity API: `/intensity` (national) and `/regional/regionid/{id}`; no auth. */
export function startFakeUkCarbonIntensity(opts: {
	national: { from: string; to: string; forecast: number; actual: number | null };
	regions: Record<number, { from: string; to: string; forecast: number }>;
}) {
	return startFake((req) => {
		if (req.path === "/intensity") {
			const { from, to, forecast, actual } = opts.national;
			return { status: 200, body: { data: [{ from, to, intensity: { forecast, actual, index: "moderate" } }] } };
		}
		const match = /^\/regional\/regionid\/(\d+)$/.exec(req.path);
		const regionid = Number(match?.[1]);
		const period = opts.regions[regionid];
		if (!period)
			return { status: 400, body: { error: { code: "400 Bad Request", message: "Please enter a valid region ID" } } };
		const { from, to, forecast } = period;
		return {
			status: 200,
			body: {
				data: [
					{
						regionid,
						dnoregion: "Fake DNO",
						shortname: "Fake region",
						data: [
							{ from, to, intensity: { forecast, index: "moderate" }, generationmix: [{ fuel: "wind", perc: 100 }] },
						],
					},
				],
			},
		};
	});
}

/** Carbon Aware SDK WebAPI: `/emissions/bylocation?location=&time=&toTime=`; no auth. */
export function startFakeCarbonAwareSdk(opts: { locations: Record<string, { time: string; rating: number }[]> }) {
	return startFake((req) => {
		if (req.path !== "/emissions/bylocation") return notFound(`path ${req.path}`);
		const location = req.query.get("location") ?? "";
		const points = opts.locations[location];
		if (!points)
			return { status: 400, body: { title: "ArgumentException", status: 400, detail: `unknown location ${location}` } };
		return {
			status: 200,
			body: points.map((p) => ({ location, time: p.time, rating: p.rating, duration: "01:00:00" })),
		};
	});
}
