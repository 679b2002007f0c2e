/** Parses CSV text into records keyed by the header row; quoted fields, `""` escapes; blank and `#` lines skipped. */
export function parseCsv(text: string): Record<string, string>[];
