/**
 * Replaying the sandbox answers recorded by record-fixtures.ts with nock, for the connector
 * tests: the SDKs make real HTTP requests (axios / fetch) and nock answers them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import type { Recorded } from './record-fixtures';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export const XERO_HOST = 'http://xero.test';
export const QBO_HOST = 'http://qbo.test';
export const XERO_API = '/xero/api.xro/2.0';
export const QBO_API = '/qbo/v3/company';

export function fixture(name: string): Recorded {
  return JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as Recorded;
}

/** A deep copy of a recorded body, to derive variants (e.g. an older payload shape). */
export function body<T = Record<string, unknown>>(name: string): T {
  return structuredClone(fixture(name).body) as T;
}

export function reply(scope: nock.Interceptor, rec: Recorded, override?: { body?: unknown; status?: number }): nock.Scope {
  return scope.reply(override?.status ?? rec.status, (override?.body ?? rec.body) as nock.Body, rec.headers);
}

export function cleanNock(): void {
  nock.cleanAll();
}

export { nock };
