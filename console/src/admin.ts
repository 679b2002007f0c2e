/**
 * Administration: the admin API's actions, each behind a confirmation. A new
 * key or enrollment token is shown once, in the page, and never stored.
 */
import { get, patch, post } from "./api.js";
import { h, replace } from "./dom.js";
import type { Fleet } from "./types.js";

interface KeyRow {
	id: string;
	tenantId: string;
	name: string;
	prefix: string;
	status: string;
}
interface TenantRow {
	id: string;
	name: string;
	rateLimitPerMinute: number | null;
	maxConcurrent: number | null;
	dailyTokenQuota: number | null;
	disabledAt: number | null;
}

const field = (label: string, name: string, extra: Record<string, string> = {}) =>
	h("label", {}, label, h("input", { name, required: true, ...extra }));

function values(form: HTMLFormElement): Record<string, string> {
	return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]));
}

/** The admin view; `refresh` reloads its lists (not polled: only on entry and after an action). */
export class AdminView {
	readonly element = h("section", { "aria-labelledby": "admin-h" });
	readonly #status = h("p", { class: "status", role: "status" });
	readonly #secret = h("div", { class: "secret", "aria-live": "polite" });
	readonly #keys = h("ul", { class: "admin-list" });
	readonly #tenants = h("ul", { class: "admin-list" });
	readonly #nodes = h("ul", { class: "admin-list" });
	readonly #zones = h("ul", { class: "admin-list" });
	#fleet: Fleet | null = null;

	constructor() {
		const keyForm = h(
			"form",
			{ "aria-label": "Create API key", onsubmit: (e: Event) => this.#submit(e, (v) => this.#createKey(v)) },
			field("Tenant id", "tenantId", { value: "tenant_dev" }),
			field("Key name", "name"),
			h("button", { type: "submit" }, "Create key"),
		);
		const tenantForm = h(
			"form",
			{ "aria-label": "Create tenant", onsubmit: (e: Event) => this.#submit(e, (v) => this.#createTenant(v)) },
			field("Tenant name", "name"),
			h("label", {}, "Requests per minute", h("input", { name: "rateLimitPerMinute", type: "number", min: 1 })),
			h("button", { type: "submit" }, "Create tenant"),
		);
		const tokenForm = h(
			"form",
			{ "aria-label": "Create enrollment token", onsubmit: (e: Event) => this.#submit(e, (v) => this.#createToken(v)) },
			field("Zone id", "zoneId"),
			h("button", { type: "submit" }, "Create enrollment token"),
		);
		this.element.append(
			h("h2", { id: "admin-h" }, "Administration"),
			this.#status,
			this.#secret,
			h("h3", {}, "API keys"),
			keyForm,
			this.#keys,
			h("h3", {}, "Tenants and limits"),
			tenantForm,
			this.#tenants,
			h("h3", {}, "Enrollment tokens"),
			tokenForm,
			h("h3", {}, "Nodes"),
			this.#nodes,
			h("h3", {}, "Zones"),
			this.#zones,
		);
	}

	#submit(e: Event, action: (v: Record<string, string>) => Promise<void>): void {
		e.preventDefault();
		const form = e.target as HTMLFormElement;
		void this.#run(() => action(values(form)).then(() => form.reset()));
	}

	async #run(action: () => Promise<void>): Promise<void> {
		try {
			await action();
			await this.refresh();
		} catch (error) {
			this.#status.textContent = error instanceof Error ? error.message : String(error);
		}
	}

	#confirm(question: string): boolean {
		return window.confirm(question);
	}

	#showSecret(label: string, value: string): void {
		replace(this.#secret, h("p", {}, `${label} (shown once; copy it now): `, h("code", { class: "once" }, value)));
	}

	async #createKey(v: Record<string, string>): Promise<void> {
		if (!this.#confirm(`Create an API key "${v.name}" for tenant ${v.tenantId}?`)) return;
		const out = await post<{ key: string; id: string }>("/admin/keys", {
			tenantId: v.tenantId,
			name: v.name,
			scopes: ["inference", "jobs"],
		});
		this.#showSecret(`New key ${out.id}`, out.key);
		this.#status.textContent = `Created key ${out.id}.`;
	}

	async #createTenant(v: Record<string, string>): Promise<void> {
		if (!this.#confirm(`Create tenant "${v.name}"?`)) return;
		const rate = v.rateLimitPerMinute ? Number(v.rateLimitPerMinute) : undefined;
		const out = await post<{ id: string }>("/admin/tenants", {
			name: v.name,
			...(rate ? { rateLimitPerMinute: rate } : {}),
		});
		this.#status.textContent = `Created tenant ${out.id}.`;
	}

	async #createToken(v: Record<string, string>): Promise<void> {
		if (!this.#confirm(`Create a one-time enrollment token for zone ${v.zoneId}?`)) return;
		const out = await post<{ id: string; token: string }>("/admin/enrollment-tokens", { zoneId: v.zoneId });
		this.#showSecret(`Enrollment token ${out.id}`, out.token);
		this.#status.textContent = `Created enrollment token ${out.id}.`;
	}

	setFleet(fleet: Fleet): void {
		this.#fleet = fleet;
	}

	/** Reloads keys and tenants, and lists nodes and zones from the last fleet. */
	async refresh(): Promise<void> {
		const [keys, tenants] = await Promise.all([
			get<{ data: KeyRow[] }>("/admin/keys"),
			get<{ data: TenantRow[] }>("/admin/tenants"),
		]);
		replace(
			this.#keys,
			...keys.data.map((k) =>
				h(
					"li",
					{},
					`${k.name} (${k.prefix}…, ${k.tenantId}): ${k.status} `,
					k.status === "active"
						? h(
								"button",
								{
									type: "button",
									"data-key-id": k.id,
									onclick: () =>
										void this.#run(async () => {
											if (!this.#confirm(`Revoke key ${k.name} (${k.prefix}…)? Requests with it are refused at once.`))
												return;
											await post(`/admin/keys/${k.id}/revoke`);
											this.#status.textContent = `Revoked key ${k.id}.`;
										}),
								},
								`Revoke ${k.name}`,
							)
						: null,
				),
			),
		);
		replace(
			this.#tenants,
			...tenants.data.map((t) =>
				h(
					"li",
					{},
					`${t.name} (${t.id}): ${t.rateLimitPerMinute ?? "default"} req/min, ${t.maxConcurrent ?? "default"} concurrent, ${t.dailyTokenQuota ?? "default"} tokens/day${t.disabledAt ? ", disabled" : ""} `,
					h(
						"button",
						{
							type: "button",
							onclick: () =>
								void this.#run(async () => {
									const disable = t.disabledAt === null;
									if (!this.#confirm(`${disable ? "Disable" : "Enable"} tenant ${t.id}?`)) return;
									await patch(`/admin/tenants/${t.id}`, { disabled: disable });
								}),
						},
						`${t.disabledAt === null ? "Disable" : "Enable"} ${t.id}`,
					),
				),
			),
		);
		const fleet = this.#fleet;
		replace(
			this.#nodes,
			...(fleet?.nodes ?? [])
				.filter((n) => n.status === "active")
				.map((n) =>
					h(
						"li",
						{},
						`${n.name} (${n.zoneId}) `,
						h(
							"button",
							{
								type: "button",
								onclick: () =>
									void this.#run(async () => {
										if (!this.#confirm(`Revoke node ${n.name}? It is disconnected and cannot sign in again.`)) return;
										await post(`/admin/nodes/${n.id}/revoke`);
									}),
							},
							`Revoke ${n.name}`,
						),
					),
				),
		);
		replace(
			this.#zones,
			...(fleet?.zones ?? []).map((z) =>
				h(
					"li",
					{},
					`${z.id}: ${z.enabled ? "enabled" : "disabled"} `,
					h(
						"button",
						{
							type: "button",
							onclick: () =>
								void this.#run(async () => {
									if (!this.#confirm(`${z.enabled ? "Disable" : "Enable"} zone ${z.id}?`)) return;
									await patch(`/admin/zones/${z.id}`, { enabled: !z.enabled });
								}),
						},
						`${z.enabled ? "Disable" : "Enable"} ${z.id}`,
					),
				),
			),
		);
	}
}
