/**
 * Tenants: the API clients that own data. Every engine operation is scoped to one, and a tenant can neither read,
 * list, change nor delete another's dossiers — to a tenant, another tenant's data does not exist.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Identifies a tenant (an API client id). @since 0.1.0 */
export const TenantId = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128)).pipe(
  Schema.brand("TenantId"),
  Schema.annotate({ identifier: "TenantId" })
)

/** Identifies a tenant. @since 0.1.0 */
export type TenantId = typeof TenantId.Type
