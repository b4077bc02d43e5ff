/**
 * xero-node failures → LedgerError. The SDK rejects with a JSON string holding
 * `{ response: { statusCode, body, headers } }` (statusCode 0 when no response came back), or
 * with `{ response, body }` for a non-2xx it did not throw on. Classified by status and headers.
 */
import { type HeaderGetter, headerGetter, NO_HEADERS } from '../ledger/call';
import { classifyHttp, LedgerError } from '../ledger/errors';

interface Parsed {
  status: number;
  headers: HeaderGetter;
  body: unknown;
}

function parse(err: unknown): Parsed | null {
  let v: unknown = err;
  if (typeof err === 'string') {
    try {
      v = JSON.parse(err);
    } catch {
      return null;
    }
  }
  if (!v || typeof v !== 'object') return null;
  const r = (v as { response?: { statusCode?: unknown; status?: unknown; headers?: unknown; body?: unknown; data?: unknown } }).response;
  if (!r || typeof r !== 'object') return null;
  const status = Number(r.statusCode ?? r.status ?? 0);
  return { status: Number.isFinite(status) ? status : 0, headers: headerGetter(r.headers), body: r.body ?? r.data ?? (v as { body?: unknown }).body };
}

function describeBody(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  if (body && typeof body === 'object') {
    const b = body as { Detail?: unknown; Message?: unknown; Title?: unknown; Elements?: { ValidationErrors?: { Message?: unknown }[] }[] };
    const first = b.Elements?.flatMap((e) => e.ValidationErrors ?? []).map((e) => e.Message)[0];
    const text = first ?? b.Detail ?? b.Message ?? b.Title;
    if (typeof text === 'string') return text.slice(0, 200);
  }
  return '';
}

export function classifyXeroError(err: unknown, what: string): { error: LedgerError; status: number; headers: HeaderGetter } {
  if (err instanceof LedgerError) return { error: err, status: err.options.status ?? 0, headers: NO_HEADERS };
  const p = parse(err);
  if (!p) return { error: new LedgerError('network', `${what} failed: ${err instanceof Error ? err.message : String(err).slice(0, 200)}`), status: 0, headers: NO_HEADERS };
  if (p.status === 0) return { error: new LedgerError('network', `${what} failed: no response from Xero${describeBody(p.body) ? ` (${describeBody(p.body)})` : ''}`), status: 0, headers: p.headers };
  const detail = describeBody(p.body);
  return { error: classifyHttp(p.status, p.headers, `${what} failed (${p.status})${detail ? `: ${detail}` : ''}`), status: p.status, headers: p.headers };
}
