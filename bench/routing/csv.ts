/**
 * A small RFC 4180 reader for the benchmark's input files (zones.csv quotes
 * fields that hold commas; the traces do not). Lines starting with `#` are
 * comments, which lets a data file carry its source line.
 */

/** Splits one CSV line into fields, honouring double quotes and `""` escapes. */
export function splitCsvLine(line: string): string[] {
	const fields: string[] = [];
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
	return fields;
}

/** Parses CSV text into records keyed by the header row; skips blank and `#` lines. */
export function parseCsv(text: string): Record<string, string>[] {
	const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#"));
	const header = lines[0];
	if (header === undefined) return [];
	const names = splitCsvLine(header);
	return lines.slice(1).map((line) => {
		const values = splitCsvLine(line);
		const record: Record<string, string> = {};
		names.forEach((name, i) => {
			record[name] = values[i] ?? "";
		});
		return record;
	});
}
