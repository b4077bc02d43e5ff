/** JSON calls to the Arcus API with the session cookie and the CSRF token. */
/** One field's problem: `field` is the input's key (for placing the message, never shown), '' = the form as a whole. */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: FieldProblem[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A validation failure's problems, field by field. */
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** The field problems a failed call carries (ApiError, PayApiError), or none. */
function problemsOf(err: unknown): FieldProblem[] {
  const fields = err instanceof Error ? (err as unknown as { fields?: unknown }).fields : undefined;
  return Array.isArray(fields) ? (fields as FieldProblem[]) : [];
}

/**
 * A failed call's problems by field key (dotted for nested input: `lateFees.amount`), each
 * field's sentences joined, for the form to show every one beside its own input.
 */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const fields = problemsOf(err);
  for (const f of fields) if (f.field) out[f.field] = out[f.field] ? `${out[f.field]} ${f.message}` : f.message;
  return out;
}

/**
 * What a form shows above its fields: the problems it has no field for (`placed` are the keys
 * it shows beside inputs), or the whole message when the failure names no fields; null if none.
 */
export function formError(err: unknown, placed: readonly string[]): string | null {
  if (!err) return null;
  const fields = problemsOf(err);
  if (fields.length === 0) return err instanceof Error ? err.message : String(err);
  const rest = fields.filter((f) => !placed.includes(f.field)).map((f) => f.message);
  return rest.length ? [...new Set(rest)].join(' ') : null;
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api${path}`, { method, headers, credentials: 'same-origin', body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const err = (data as ApiErrorBody | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `Something went wrong (error ${res.status}). Try again.`, Array.isArray(err?.fields) ? err.fields : []);
  }
  return data as T;
}

export interface SessionInfo {
  csrfToken: string;
  demo: boolean;
  /** The app's clock when it answered (ISO instant). */
  now?: string;
  /** Which "Sign in with …" buttons to offer. */
  signIn?: { xero: boolean; quickbooks: boolean };
  /** `roleName`: the role in words; `permissions`: what the server will accept from this member (server/auth/permissions.ts). */
  user: { id: string; name: string; email: string; role: 'admin' | 'manager' | 'collector' | 'viewer' | 'client_contact' | 'salesperson'; roleName: string; permissions: string[] } | null;
  firm: { id: string; name: string } | null;
}
