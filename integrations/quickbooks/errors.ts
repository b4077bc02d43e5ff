/**
 * node-quickbooks failures → LedgerError, by HTTP status and headers. QBO also answers some
 * faults with HTTP 200 and a `Fault` body; those are validation errors. QBO sends no
 * Retry-After on 429 (ThrottleExceeded), so the default back-off of classifyHttp applies. The
 * 429 body is XML (`<IntuitResponse><Fault type="SERVICE"><Error code="3001">…`) even when JSON
 * was asked for: axios leaves it a string, and its code and words are read from the XML.
 */
import { type HeaderGetter, headerGetter, NO_HEADERS } from '../ledger/call';
import { classifyHttp, LedgerError } from '../ledger/errors';
import { QboSdkError } from './sdk';

interface FaultItem {
  code?: string;
  message?: string;
  detail?: string;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(s: string | undefined): string | undefined {
  return s?.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e] ?? '').trim();
}

/** The first `<Error>` of an XML `<Fault>` body, or null when the body is not one. */
export function xmlFault(body: unknown): FaultItem | null {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : null;
  if (!text || !/<Fault\b/.test(text)) return null;
  const error = /<Error\b([^>]*)>([\s\S]*?)<\/Error>/.exec(text);
  if (!error) return {};
  return {
    code: /\bcode="([^"]*)"/.exec(error[1] ?? '')?.[1],
    message: xmlText(/<Message>([\s\S]*?)<\/Message>/.exec(error[2] ?? '')?.[1]),
    detail: xmlText(/<Detail>([\s\S]*?)<\/Detail>/.exec(error[2] ?? '')?.[1]),
  };
}

function faultText(body: unknown): string {
  const x = xmlFault(body);
  if (x) return `${x.message ?? ''}${x.detail ? ` — ${x.detail}` : ''}${x.code ? ` (${x.code})` : ''}`.slice(0, 300);
  const b = body as { Fault?: { Error?: { Message?: string; Detail?: string; code?: string }[] }; fault?: { error?: { message?: string; detail?: string; code?: string }[] } } | null;
  const e = b?.Fault?.Error?.[0];
  if (e) return `${e.Message ?? ''}${e.Detail ? ` — ${e.Detail}` : ''}${e.code ? ` (${e.code})` : ''}`.slice(0, 300);
  const l = b?.fault?.error?.[0];
  if (l) return `${l.message ?? ''}${l.detail ? ` — ${l.detail}` : ''}${l.code ? ` (${l.code})` : ''}`.slice(0, 300);
  return '';
}

/** The QBO fault code of an error body ("2010", "3001", …), if any. */
export function qboFaultCode(err: unknown): string | null {
  const body = err instanceof QboSdkError ? err.body : err;
  const x = xmlFault(body);
  if (x) return x.code ?? null;
  const b = body as { Fault?: { Error?: { code?: string }[] }; fault?: { error?: { code?: string }[] } } | null;
  return b?.Fault?.Error?.[0]?.code ?? b?.fault?.error?.[0]?.code ?? null;
}

export function classifyQboError(err: unknown, what: string): { error: LedgerError; status: number; headers: HeaderGetter } {
  if (err instanceof LedgerError) return { error: err, status: err.options.status ?? 0, headers: NO_HEADERS };
  if (!(err instanceof QboSdkError)) return { error: new LedgerError('network', `${what} failed: ${err instanceof Error ? err.message : String(err)}`), status: 0, headers: NO_HEADERS };
  const headers = headerGetter(err.headers);
  const detail = faultText(err.body);
  if (err.status === 0) {
    const code = (err.detail as { code?: string } | null)?.code;
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return { error: new LedgerError('timeout', `${what} timed out`), status: 0, headers };
    if (detail) return { error: new LedgerError('validation', `${what} failed: ${detail}`, { status: 200 }), status: 200, headers };
    return { error: new LedgerError('network', `${what} failed: ${code ?? 'no response from QuickBooks'}`), status: 0, headers };
  }
  return { error: classifyHttp(err.status, headers, `${what} failed (${err.status})${detail ? `: ${detail}` : ''}`), status: err.status, headers };
}
