/** The drizzle client over the D1 binding; one per request is cheap (no connection). */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.js";

/** Opens drizzle on `env.DB` with the full schema. */
export function database(env: Env) {
	return drizzle(env.DB, { schema });
}
export type Database = ReturnType<typeof database>;
