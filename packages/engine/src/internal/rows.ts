/**
 * The engine's rows and the SQL that reads and writes them. Everything here is plain data access: sealing and opening
 * personal data, tenancy and state rules live in the services that call it.
 */

export interface DossierRow {
  readonly id: string
  readonly tenant_id: string
  readonly external_reference: string | null
  readonly user_data: Uint8Array | null
  readonly created_at: string
  readonly updated_at: string
}

export interface ProcessRow {
  readonly id: string
  readonly dossier_id: string
  readonly tenant_id: string
  readonly provider: string
  readonly process_type: string
  readonly status: string
  readonly parameters: Uint8Array | null
  readonly notification_url: string | null
  readonly authorization_header: Uint8Array | null
  readonly provider_reference: string | null
  readonly provider_state: Uint8Array | null
  readonly redirect_url: string | null
  readonly client_redirect_url: string | null
  readonly final_result: Uint8Array | null
  readonly provider_specific: Uint8Array | null
  readonly reason: string | null
  readonly deadline_at: string | null
  /** When the sweeper next looks at it (a poll, a retried start, the deadline); null when nothing is due. */
  readonly next_check_at: string | null
  /** How many times the provider was asked for the result (the polling backoff's exponent). */
  readonly check_round: number
  /** Failed provider calls since the last success; 0 when none. */
  readonly attempts: number
  readonly last_error: string | null
  /** The return URL a start to retry was asked with. */
  readonly return_url: string | null
  /** A routed process's sealed `ProcessRouting` record; null for a process whose client named the provider. */
  readonly routing: Uint8Array | null
  /** The failed process this one replaced, and the one that replaced this one. */
  readonly fallback_of: string | null
  readonly fallback_to: string | null
  readonly created_at: string
  readonly updated_at: string
}

export interface FileRow {
  readonly id: string
  readonly tenant_id: string
  readonly dossier_id: string
  readonly process_id: string | null
  readonly kind: string
  readonly media_type: string
  readonly size: number
  readonly storage_key: string
  readonly created_at: string
}

export interface NotificationRow {
  readonly id: string
  readonly tenant_id: string
  readonly dossier_id: string
  readonly process_id: string
  readonly kind: string
  readonly url: string
  readonly payload: string
  readonly status: string
  readonly attempts: number
  readonly round: number
  readonly last_error: string | null
  readonly next_attempt_at: string
  readonly expires_at: string
  readonly created_at: string
  readonly delivered_at: string | null
}

/**
 * A notification held for one delivery attempt: its row as of the lease (`next_attempt_at` is the lease held), and the
 * process's sealed `Authorization` value for a callback.
 */
export interface ClaimedNotification {
  readonly row: NotificationRow
  readonly authorization: Uint8Array | null
}

/** Drivers return bytes as Buffer (PostgreSQL) or Uint8Array (SQLite); the engine works with plain Uint8Array. */
export const bytesOf = (value: Uint8Array | null): Uint8Array | null => (value === null ? null : new Uint8Array(value))

/** SQLite has no boolean or bigint columns the drivers agree on; counts come back as number or bigint. */
export const countOf = (value: unknown): number => Number(value)

export const firstOrUndefined = <A>(rows: ReadonlyArray<A>): A | undefined => rows[0]
