import pino, { type Logger } from 'pino';

/**
 * Structured logs. Secrets, tokens, cookies and debtor contact details are redacted by key
 * wherever they appear, so a careless `log.info({ contact })` cannot leak them.
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
  'accessToken',
  'refreshToken',
  'email',
  'to',
];

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'arcus' } }, destination);
}

export type { Logger };
