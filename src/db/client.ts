/**
 * The drizzle client over the D1 binding. Building one walks the whole schema
 * (about 0.1 ms), so it is made once per binding object and reused by every
 * request of the isolate that sees the same binding; it holds no connection.
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.js";

function open(db: D1Database) {
	return drizzle(db, { schema });
}

export type Database = ReturnType<typeof open>;

const clients = new WeakMap<D1Database, Database>();

/** Drizzle on `env.DB` with the full schema. */
export function database(env: Pick<Env, "DB">): Database {
	let client = clients.get(env.DB);
	if (!client) {
		client = open(env.DB);
		clients.set(env.DB, client);
	}
	return client;
}
