/** Test-only bindings added in vitest.config.ts. */
declare namespace Cloudflare {
	interface Env {
		TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
	}
}

/** Vite's `?raw` imports: a file's text (test/workerd/d1-queries.test.ts reads docs/d1-queries.md). */
declare module "*?raw" {
	const text: string;
	export default text;
}
