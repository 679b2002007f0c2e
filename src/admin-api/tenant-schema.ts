/** What an operator may send to create or change a tenant. */
import * as z from "zod";
import { limitFields } from "./limit-fields.js";

/** Tenant ids: 1 to 64 letters, digits, `_` or `-` (e.g. tenant_dev). */
export const tenantIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a tenant id like tenant_dev");

/** A routing policy text as the x-arcnet-policy header takes it (≤ 100 chars); null: balanced. */
const defaultPolicySchema = z.string().max(100).nullable();

/** POST /admin/v1/tenants body: a name, optionally an id (default `tenant_` + 24 chars), a policy and limits. */
export const createTenantSchema = z
	.object({
		id: tenantIdSchema.optional(),
		name: z.string().trim().min(1).max(100),
		defaultPolicy: defaultPolicySchema.optional(),
		...limitFields,
	})
	.strict();

/** PATCH /admin/v1/tenants/:id body: one or more of policy, limits (null: deployment default) and `disabled`. */
export const patchTenantSchema = z
	.object({ defaultPolicy: defaultPolicySchema, ...limitFields, disabled: z.boolean() })
	.partial()
	.strict()
	.refine((body) => Object.keys(body).length > 0, { message: "at least one field to change" });
export type PatchTenant = z.output<typeof patchTenantSchema>;
