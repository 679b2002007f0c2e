/** Applies the real migrations/ to the test D1 before each workerd test file. */
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
