/**
 * The firm's declined-card retry schedule (decision 056), kept in firms.settings under
 * `autopay.retryDays` (other keys left alone). What is stored is parsed on every read, so a
 * missing or older value reads as the default 1, 3 and 7 days.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../../kernel/errors';
import type { Db } from '../db/client';
import { firms } from '../db/schema';
import { parseInput } from '../http/validate';
import { DEFAULT_RETRY_DAYS, RetryScheduleSchema, retryScheduleWords } from './core';

export const RetryScheduleInput = z.object({ retryDays: RetryScheduleSchema }).strict();

export interface RetryScheduleView {
  retryDays: number[];
  words: string;
}

export async function getRetryDays(db: Db, firmId: string): Promise<number[]> {
  const [row] = await db.select({ settings: firms.settings }).from(firms).where(eq(firms.id, firmId)).limit(1);
  if (!row) throw notFound('No such firm.');
  const parsed = RetryScheduleSchema.safeParse((row.settings as { autopay?: { retryDays?: unknown } } | null)?.autopay?.retryDays);
  return parsed.success ? parsed.data : [...DEFAULT_RETRY_DAYS];
}

export async function retryScheduleView(db: Db, firmId: string): Promise<RetryScheduleView> {
  const retryDays = await getRetryDays(db, firmId);
  return { retryDays, words: `Declined card payments are tried again ${retryScheduleWords(retryDays)}, then autopay pauses.` };
}

export async function setRetrySchedule(db: Db, firmId: string, raw: unknown): Promise<RetryScheduleView> {
  const { retryDays } = parseInput(RetryScheduleInput, raw ?? {}, { retryDays: 'retry days' });
  await db
    .update(firms)
    .set({ settings: sql`jsonb_set(coalesce(${firms.settings}, '{}'::jsonb), '{autopay}', coalesce(${firms.settings}->'autopay', '{}'::jsonb) || jsonb_build_object('retryDays', ${JSON.stringify(retryDays)}::jsonb))` })
    .where(eq(firms.id, firmId));
  return retryScheduleView(db, firmId);
}
