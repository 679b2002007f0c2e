/**
 * UTC days, the unit of the daily token quota: a request is charged to the
 * UTC day (YYYY-MM-DD) it was admitted on.
 */

export const DAY_MS = 86_400_000;

let lastDay: { index: number; text: string } | undefined;

/** The UTC day of `now` as YYYY-MM-DD (the last answer is kept: every request asks about the same day). */
export function utcDay(now: number): string {
	const index = Math.floor(now / DAY_MS);
	if (lastDay?.index !== index) lastDay = { index, text: new Date(index * DAY_MS).toISOString().slice(0, 10) };
	return lastDay.text;
}

/** Epoch ms of the next 00:00 UTC after `now`: when the daily quota resets. */
export function nextUtcMidnight(now: number): number {
	return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
}
