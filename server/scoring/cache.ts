/** Results kept per organisation in `scoring_cache` (kind, as-of day, fingerprint of the inputs). */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { scoringCache } from '../db/schema';
import type { CalendarDate } from '../../kernel/dates';

export async function cached<T>(
  db: Db,
  key: { firmId: string; organisationId: string; kind: string; asOf: CalendarDate; fingerprint: string },
  compute: () => T | Promise<T>,
): Promise<T> {
  const rows = await db
    .select({ asOf: scoringCache.asOf, fingerprint: scoringCache.fingerprint, payload: scoringCache.payload })
    .from(scoringCache)
    .where(and(eq(scoringCache.firmId, key.firmId), eq(scoringCache.organisationId, key.organisationId), eq(scoringCache.kind, key.kind)))
    .limit(1);
  const hit = rows[0];
  if (hit && hit.asOf === key.asOf && hit.fingerprint === key.fingerprint) return hit.payload as T;
  const payload = await compute();
  await db
    .insert(scoringCache)
    .values({ firmId: key.firmId, organisationId: key.organisationId, kind: key.kind, asOf: key.asOf, fingerprint: key.fingerprint, payload })
    .onConflictDoUpdate({ target: [scoringCache.organisationId, scoringCache.kind], set: { asOf: key.asOf, fingerprint: key.fingerprint, payload, computedAt: new Date() } });
  return payload;
}
