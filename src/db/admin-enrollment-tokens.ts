/**
 * Enrollment-token listing and revocation for the admin API. The table has
 * no revoked column, so a revocation moves an unused token's expiry to now:
 * redemption already refuses expired tokens, atomically (db/enrollment-tokens.ts).
 */
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "./client.js";
import { enrollmentTokens } from "./schema.js";

/** A token as the admin API shows it: never the token or its hash. */
export interface EnrollmentTokenListing {
	id: string;
	zoneId: string;
	createdAt: number;
	expiresAt: number;
	usedAt: number | null;
	nodeId: string | null;
	note: string | null;
}

const listingColumns = {
	id: enrollmentTokens.id,
	zoneId: enrollmentTokens.zoneId,
	createdAt: enrollmentTokens.createdAt,
	expiresAt: enrollmentTokens.expiresAt,
	usedAt: enrollmentTokens.usedAt,
	nodeId: enrollmentTokens.nodeId,
	note: enrollmentTokens.note,
};

/** Every token, newest first, at most `limit`. */
export async function listEnrollmentTokens(db: Database, limit: number): Promise<EnrollmentTokenListing[]> {
	return db
		.select(listingColumns)
		.from(enrollmentTokens)
		.orderBy(desc(enrollmentTokens.createdAt), desc(enrollmentTokens.id))
		.limit(limit)
		.all();
}

/**
 * Expires token `id` at `now` if it is unused and not yet expired. Returns the
 * token as it stands afterwards (so a used token comes back with usedAt
 * set), or null when no such token exists.
 */
export async function revokeEnrollmentToken(
	db: Database,
	id: string,
	now: number,
): Promise<EnrollmentTokenListing | null> {
	const [, rows] = await db.batch([
		db
			.update(enrollmentTokens)
			.set({ expiresAt: now })
			.where(and(eq(enrollmentTokens.id, id), isNull(enrollmentTokens.usedAt), gt(enrollmentTokens.expiresAt, now))),
		db.select(listingColumns).from(enrollmentTokens).where(eq(enrollmentTokens.id, id)),
	]);
	return rows[0] ?? null;
}
