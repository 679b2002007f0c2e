import { defineConfig } from "drizzle-kit";

/** drizzle-kit writes SQL migrations into migrations/, the folder wrangler applies. */
export default defineConfig({
	dialect: "sqlite",
	schema: "./src/db/schema.ts",
	out: "./migrations",
});
