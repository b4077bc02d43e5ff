import { DrizzleQueryError } from 'drizzle-orm';
import pino, { type Logger } from 'pino';
import { readableDestination } from './readable-log';

/**
 * Structured logs. Secrets, tokens, cookies and debtor contact details are redacted by key
 * wherever they appear, so a careless `log.info({ contact })` cannot leak them. Errors are logged
 * by what they are — a class, a code, a constraint — never by the SQL and parameters a database
 * error carries or the body a request sent (`describeError`); and no line is longer than
 * MAX_LOG_LINE characters (`cappedDestination`): a 12 MB webhook cannot become a 12 MB line.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-xero-signature"]',
  'req.headers["intuit-signature"]',
  'res.headers["set-cookie"]',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.email',
  '*.emails',
  '*.to',
  '*.recipients',
  '*.phone',
  '*.params',
  '*.query',
  '*.body',
  'accessToken',
  'refreshToken',
  'email',
  'to',
  'params',
  'query',
  'body',
];

/** The longest log line written, in characters; longer lines are cut to their first fields. */
export const MAX_LOG_LINE = 8_192;

/** Longest error message kept in a log line or a stored error text. */
const MAX_MESSAGE = 500;

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  routine?: unknown;
  severity?: unknown;
}

function isPgError(e: unknown): e is Error & PgLikeError {
  return e instanceof Error && typeof (e as PgLikeError).code === 'string' && /^[0-9A-Z]{5}$/.test((e as PgLikeError).code as string) && 'severity' in e;
}

/** drizzle's "Failed query: <sql> params: <values>" wrapper (its `name` is plain "Error"). */
function isQueryWrapper(err: unknown): err is Error {
  return err instanceof DrizzleQueryError || (err instanceof Error && (err.name === 'DrizzleQueryError' || (typeof (err as { query?: unknown }).query === 'string' && 'params' in err)));
}

/** The database error inside a drizzle "Failed query" wrapper (or the error itself). */
function databaseError(err: unknown): (Error & PgLikeError) | null {
  if (isPgError(err)) return err;
  if (isQueryWrapper(err)) return isPgError(err.cause) ? err.cause : null;
  return null;
}

/** True when the error came from the database (a drizzle wrapper or a driver error). */
export function isDatabaseError(err: unknown): boolean {
  return databaseError(err) !== null || isQueryWrapper(err);
}

/** The SQLSTATE of a database error, wrapped or not. */
export function sqlStateOf(err: unknown): string | null {
  const e = databaseError(err);
  return e ? (e.code as string) : null;
}

/**
 * Text fit for a log line or a stored error column: the message of an ordinary error (cut to
 * 500 characters, any "Failed query: …" tail dropped), and for a database error only its SQLSTATE
 * and the names of the constraint/table/column — never the statement, its parameters, or the
 * driver's message (which quotes the offending value: `invalid input syntax for type uuid: "…"`).
 */
export function describeError(err: unknown): string {
  const db = databaseError(err);
  if (db) {
    const where = [db.constraint && `constraint ${String(db.constraint)}`, db.table && `table ${String(db.table)}`, db.column && `column ${String(db.column)}`].filter(Boolean).join(', ');
    return `database error ${String(db.code)}${where ? ` (${where})` : ''}`;
  }
  if (isQueryWrapper(err)) return 'database query failed';
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : String(err);
  return scrubText(text);
}

/** A message with any embedded SQL statement and parameters removed, cut to a sane length. */
export function scrubText(text: string): string {
  const at = text.search(/Failed query:|\bparams:\s/);
  const kept = at >= 0 ? `${text.slice(0, at).trimEnd()} [database query omitted]`.trim() : text;
  return kept.length > MAX_MESSAGE ? `${kept.slice(0, MAX_MESSAGE)}… [${kept.length - MAX_MESSAGE} more characters]` : kept;
}

/** pino serializer for `err` / `error` fields: Errors and strings alike go through describeError. */
export function serializeError(err: unknown): unknown {
  if (err instanceof Error) {
    const db = databaseError(err);
    const code = db ? db.code : (err as { code?: unknown }).code;
    return { type: err.name, message: describeError(err), ...(typeof code === 'string' ? { code } : {}), ...(db ? {} : { stack: scrubText(err.stack ?? '') }) };
  }
  if (typeof err === 'string') return scrubText(err);
  if (err && typeof err === 'object') return scrubText(JSON.stringify(err));
  return err;
}

/**
 * A destination that never writes a line longer than `max` characters: a longer one is replaced by
 * a valid JSON line with its small top-level fields (level, time, msg, ids) and the length cut.
 */
export function cappedDestination(dest: pino.DestinationStream, max = MAX_LOG_LINE): pino.DestinationStream {
  return {
    write(line: string) {
      if (line.length <= max + 1) return dest.write(line);
      let kept: Record<string, unknown> = {};
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        for (const [k, v] of Object.entries(obj)) {
          const s = typeof v === 'string' ? v : JSON.stringify(v);
          if (s !== undefined && s.length <= 200) kept[k] = v;
        }
      } catch {
        kept = {};
      }
      kept['truncated'] = line.length;
      const out = JSON.stringify(kept);
      return dest.write(`${out.length <= max ? out : JSON.stringify({ truncated: line.length })}\n`);
    },
  };
}

export function createLogger(level = 'info', destination?: pino.DestinationStream, format: 'json' | 'readable' = 'json'): Logger {
  const out = cappedDestination(destination ?? pino.destination(1));
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { app: 'arcus' },
      serializers: { err: serializeError, error: serializeError },
    },
    format === 'readable' ? readableDestination(out) : out,
  );
}

export type { Logger };
