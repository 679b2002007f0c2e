/** A sortable table: each header is a button; sorting survives re-renders with fresh rows. */
import { h, replace } from "./dom.js";

export interface Column<T> {
	label: string;
	value: (row: T) => string | number | null;
	/** The cell's content; defaults to the value. */
	cell?: (row: T) => Node | string;
	/** Marks the cell stale (shown dimmed with a label). */
	stale?: (row: T) => boolean;
}

/** A table whose body is replaced by `update`; the sort column and direction persist. */
export class SortableTable<T> {
	readonly element: HTMLElement;
	#rows: T[] = [];
	#sortBy = 0;
	#descending = false;
	readonly #body = h("tbody");
	readonly #head = h("tr");

	constructor(
		readonly caption: string,
		readonly columns: Column<T>[],
		readonly onRow?: (row: T) => void,
	) {
		this.element = h(
			"div",
			{ class: "table-wrap" },
			h("table", {}, h("caption", {}, caption), h("thead", {}, this.#head), this.#body),
		);
		this.#renderHead();
	}

	update(rows: T[]): void {
		this.#rows = rows;
		this.#renderBody();
	}

	#renderHead(): void {
		replace(
			this.#head,
			...this.columns.map((col, i) =>
				h(
					"th",
					{ scope: "col", "aria-sort": i === this.#sortBy ? (this.#descending ? "descending" : "ascending") : "none" },
					h(
						"button",
						{
							type: "button",
							class: "sort",
							onclick: () => {
								this.#descending = this.#sortBy === i ? !this.#descending : false;
								this.#sortBy = i;
								this.#renderHead();
								this.#renderBody();
							},
						},
						col.label,
					),
				),
			),
		);
	}

	#renderBody(): void {
		const col = this.columns[this.#sortBy];
		const sorted = [...this.#rows];
		if (col) {
			sorted.sort((a, b) => {
				const x = col.value(a);
				const y = col.value(b);
				const order = x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
				return this.#descending ? -order : order;
			});
		}
		replace(
			this.#body,
			...sorted.map((row) => {
				const tr = h(
					"tr",
					{},
					...this.columns.map((c) => {
						const stale = c.stale?.(row) ?? false;
						const content = c.cell ? c.cell(row) : String(c.value(row) ?? "—");
						return h(
							"td",
							stale ? { class: "stale", title: "stale: no fresh telemetry" } : {},
							content,
							stale ? h("span", { class: "tag" }, " stale") : null,
						);
					}),
				);
				if (this.onRow) {
					const open = this.onRow;
					const first = tr.querySelector("td");
					if (first)
						replace(
							first,
							h("button", { type: "button", class: "link", onclick: () => open(row) }, first.textContent ?? ""),
						);
				}
				return tr;
			}),
		);
		if (sorted.length === 0) this.#body.append(h("tr", {}, h("td", { colspan: this.columns.length }, "Nothing yet.")));
	}
}
