/**
 * What the global setup found. Suites that need a service use `describeWith('pg', …)`: when
 * the service is missing they are skipped with a loud name (the global setup already failed
 * the run if REQUIRE_SERVICES=1).
 */
import { describe, inject } from 'vitest';

export const services = inject('services');

type Need = 'pg' | 'redis' | 'chromium';

export function describeWith(needs: Need | Need[], name: string, fn: () => void): void {
  const list = Array.isArray(needs) ? needs : [needs];
  const missing = list.filter((n) => !services[n]);
  if (missing.length === 0) describe(name, fn);
  else describe.skip(`${name} — SKIPPED: ${missing.join(', ')} unreachable`, fn);
}
