/**
 * Personal data stays out of logs and answers (issue #14): a database error is logged by its
 * SQLSTATE and names, never its SQL and parameters (a debtor's email reached the web log); no log
 * line is longer than MAX_LOG_LINE (one webhook made a 12 MB line); the embedded SMTP server's
 * reply to a failed store carries no error text (it reached an API answer); request paths lose
 * email addresses.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import express from 'express';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSmtpCapture } from '../../integrations/email/smtp-server';
import type { Database } from '../../server/db/client';
import { errorHandler } from '../../server/http/errors';
import { logPath } from '../../server/http/log-path';
import { createLogger, describeError, MAX_LOG_LINE } from '../../server/logger';
import { testDatabase } from '../support/db';
import { describeWith } from '../support/services';

const EMAIL = 'private.debtor@personal.example';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger('info', sink) };
}

/** A query that fails in the database with a debtor's address among its parameters. */
async function failingQuery(database: Database): Promise<unknown> {
  try {
    await database.db.execute(sql`SELECT ${EMAIL}::text AS email, ${'not-a-uuid'}::uuid AS id`);
  } catch (err) {
    return err;
  }
  throw new Error('the query did not fail');
}

describeWith('pg', 'personal data in logs and answers', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase();
  });

  it('a database error logs its code, never the SQL or its parameters', async () => {
    const err = await failingQuery(database);
    // What drizzle itself says: the statement and every parameter.
    expect(String((err as Error).message)).toContain(EMAIL);
    expect(describeError(err)).toBe('database error 22P02');
    const { lines, log } = capture();
    log.error({ err }, 'query failed');
    log.warn({ err: (err as Error).message }, 'the same, logged as a string');
    log.error(err as Error, 'as the first argument');
    const text = lines.join('');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('SELECT');
    expect(text).toContain('22P02');
  });

  it('the HTTP edge answers a generic 500 and logs no parameters; a data exception is a 400', async () => {
    const err = await failingQuery(database);
    const { lines, log } = capture();
    const app = express();
    app.get('/boom', () => {
      throw Object.assign(new Error(`Failed query: insert into contacts values ($1)\nparams: ${EMAIL}`), { name: 'DrizzleQueryError' });
    });
    app.get('/data', () => {
      throw err;
    });
    app.use(errorHandler(log));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const boom = await fetch(`${base}/boom`);
      expect(boom.status).toBe(500);
      const body = await boom.text();
      expect(body).not.toContain(EMAIL);
      const data = await fetch(`${base}/data`);
      expect(data.status).toBe(400);
      expect(((await data.json()) as { error: { code: string } }).error.code).toBe('invalid_value');
    } finally {
      server.close();
    }
    const text = lines.join('');
    expect(text).toContain('request failed');
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('insert into');
  });
});

it('no log line is longer than the cap, whatever is logged', () => {
  const { lines, log } = capture();
  log.info({ organisationId: 'org-1', payload: 'x'.repeat(12 * 1024 * 1024) }, 'webhook received');
  log.info({ events: Array.from({ length: 50_000 }, (_, i) => ({ id: i })) }, 'many events');
  expect(lines).toHaveLength(2);
  for (const line of lines) {
    expect(line.length).toBeLessThanOrEqual(MAX_LOG_LINE + 1);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed['truncated']).toBeGreaterThan(MAX_LOG_LINE);
    expect(typeof parsed['msg']).toBe('string');
  }
  expect(JSON.parse(lines[0]!)).toMatchObject({ organisationId: 'org-1', msg: 'webhook received' });
});

it('request paths lose email addresses as well as tokens', () => {
  expect(logPath(`/api/reminders/customers/o/c/unsubscribes/${encodeURIComponent(EMAIL)}`)).toBe('/api/reminders/customers/o/c/unsubscribes/:address');
  expect(logPath(`/api/anything/${EMAIL}/x`)).toBe('/api/anything/:address/x');
  expect(logPath(`/api/${'a'.repeat(5000)}`).length).toBeLessThanOrEqual(301);
});

describeWith([], 'the embedded SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  const failures: unknown[] = [];
  beforeAll(async () => {
    smtp = await startSmtpCapture({
      onMessage: async () => {
        throw new Error(`Failed query: insert into "mailbox_messages" ("text") values ($1)\nparams: ${EMAIL}`);
      },
      onError: (err) => void failures.push(err),
    });
  });
  afterAll(async () => smtp?.close());

  it('answers a failed store with a 451 that carries no error text', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
    const err = await transport.sendMail({ from: 'a@arcus.test', to: 'b@arcus.test', subject: 's', text: 't' }).then(
      () => null,
      (e: unknown) => e as { responseCode?: number; response?: string; message: string },
    );
    expect(err?.responseCode).toBe(451);
    expect(`${err?.response} ${err?.message}`).not.toContain(EMAIL);
    expect(`${err?.response}`).not.toContain('insert');
    expect(failures).toHaveLength(1);
  });
});
