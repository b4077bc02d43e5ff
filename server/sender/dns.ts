/**
 * TXT lookups for the domain check, behind a resolver the process is given: Node's
 * `dns/promises` in production, a fake in the tests (which never touch the network).
 */
import { Resolver } from 'node:dns/promises';
import type { TxtLookup } from './records';

export interface TxtResolver {
  resolveTxt(name: string): Promise<string[][]>;
}

/** Node's resolver with a short timeout and two tries, so "Check now" answers in seconds. */
export function systemResolver(): TxtResolver {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  return { resolveTxt: (name) => r.resolveTxt(name) };
}

/** No such name, or no TXT at it: missing. Anything else (timeout, SERVFAIL, refused): the lookup failed. */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NOTFOUND']);

export async function lookupTxt(resolver: TxtResolver, name: string): Promise<TxtLookup> {
  try {
    const records = await resolver.resolveTxt(name);
    return records.length ? { kind: 'records', records } : { kind: 'none' };
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    return typeof code === 'string' && ABSENT.has(code) ? { kind: 'none' } : { kind: 'error' };
  }
}
