/**
 * The demo's console (LOG_FORMAT=readable, the default in demo mode): each log line as a sentence
 * with its time, instead of JSON — "10:41:07  Synced Kiwi Plumbing: 1,398 invoices in 4 s". Warnings
 * and errors say so and keep their error's message; any other field is left out (the JSON format
 * has them all). Pure formatting over pino's JSON lines; the redaction and caps still apply first.
 */
import type pino from 'pino';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

export function readableLine(line: string): string {
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof obj.time === 'number' ? new Date(obj.time).toISOString().slice(11, 19) : '';
  const level = typeof obj.level === 'number' ? obj.level : 30;
  const label = level >= 40 ? `${LEVELS[level] ?? 'error'}: ` : level < 30 ? `${LEVELS[level] ?? 'debug'}: ` : '';
  const err = obj.err ?? obj.error;
  const why = err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string' ? ` — ${(err as { message: string }).message}` : typeof err === 'string' ? ` — ${err}` : '';
  // A request line (pino-http): the method, path and status.
  const req = obj.req as { method?: string; path?: string } | undefined;
  const res = obj.res as { status?: number } | undefined;
  const request = req?.method && req.path ? ` ${req.method} ${req.path}${res?.status ? ` → ${res.status}` : ''}` : '';
  return `${time}  ${label}${String(obj.msg ?? '')}${request}${why}\n`;
}

export function readableDestination(dest: pino.DestinationStream): pino.DestinationStream {
  return { write: (line: string) => dest.write(readableLine(line)) };
}
