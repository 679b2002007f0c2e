/**
 * The one CSV reader of the repository, shared by the catalogue generators
 * and the routing benchmark (its types: csv.d.mts): quoted fields with `""`
 * escapes, and lines starting with # as comments (our copies carry their
 * source line so). Plain JavaScript, so `node scripts/build-*.mjs` runs it.
 */

/** Parses CSV into objects keyed by the header row with quoted fields; lines starting with # are comments. */
export function parseCsv(text) {
	const rows = [];
	for (const line of text.split(/\r?\n/)) {
		if (line.trim() === "" || line.startsWith("#")) continue;
		const fields = [];
		let field = "";
		let quoted = false;
		for (let i = 0; i < line.length; i++) {
			const ch = line[i];
			if (quoted) {
				if (ch === '"' && line[i + 1] === '"') {
					field += '"';
					i++;
				} else if (ch === '"') quoted = false;
				else field += ch;
			} else if (ch === '"') quoted = true;
			else if (ch === ",") {
				fields.push(field);
				field = "";
			} else field += ch;
		}
		fields.push(field);
		rows.push(fields);
	}
	const [header, ...body] = rows;
	return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}
