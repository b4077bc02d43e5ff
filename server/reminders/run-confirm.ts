/**
 * "Run now" with a preview: what a run would send if it ran now (how many customers, emails and
 * invoices, which steps, a few samples), and whether a person must confirm it first — the first
 * run of an organisation (never confirmed, or switched on again), or a run that would send more
 * than the organisation's `confirmAbove` emails. A preview that needs confirming comes with a
 * token bound to that plan: a single-use row holding the claim keys it showed, valid for
 * CONFIRMATION_TTL_MS. The run it starts claims only those (run.ts); the token itself is shown
 * once and stored as its SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { conflict, notFound } from '../../kernel/errors';
import { type Minor, sumMinor } from '../../kernel/money';
import type { Db } from '../db/client';
import { reminderRunConfirmations, reminderSettings } from '../db/schema';
import { loadInvoicesByExternalId, loadOrganisation, loadSettings, type OrgInfo } from './load';
import { inSendingWindow, nextWindowOpen } from './local-time';
import type { PlannedSend } from './plan';
import { describeOffset } from './policy';
import { formatMoney, minorOf } from './render';
import { plannedKey, planRun } from './run';
import type { OrgSettings } from './types';

export const CONFIRMATION_TTL_MS = 15 * 60_000;
const SAMPLES = 5;

export type ConfirmationReason = 'first_run' | 'above_threshold';

export interface RunPreviewSample {
  customer: string;
  step: string;
  invoiceCount: number;
  /** The amount the email lists as due, per currency, formatted for people. */
  amounts: string[];
  needsApproval: boolean;
}

export interface RunPreview {
  organisationId: string;
  organisationName: string;
  enabled: boolean;
  inWindow: boolean;
  /** When the sending window opens next (ISO), when outside it. */
  nextWindowOpen: string | null;
  customers: number;
  /** Emails that would go now (without those waiting for a collector's approval). */
  emails: number;
  awaitingApproval: number;
  invoices: number;
  /** Due, but over the organisation's daily limit: they wait for a later day. */
  overDailyLimit: number;
  steps: { step: string; emails: number }[];
  samples: RunPreviewSample[];
  confirmationRequired: boolean;
  reason: ConfirmationReason | null;
  /** In plain words, for the dialog. */
  reasonText: string | null;
  confirmation: { token: string; expiresAt: string } | null;
}

export function stepLabel(s: Pick<PlannedSend, 'subjectType' | 'occurrence' | 'invoiceExternalIds'>): string {
  const when = describeOffset(s.occurrence.offsetDays);
  return `Reminder ${s.occurrence.number}, ${when}${s.subjectType === 'customer' && s.invoiceExternalIds.length > 1 ? ' (one email listing every due invoice)' : ''}`;
}

/** Why this run needs a person's confirmation, if it does. */
export function confirmationReason(settings: Pick<OrgSettings, 'confirmedAt' | 'confirmAbove'>, emails: number): ConfirmationReason | null {
  if (emails === 0) return null;
  if (!settings.confirmedAt) return 'first_run';
  return emails > settings.confirmAbove ? 'above_threshold' : null;
}

function reasonText(reason: ConfirmationReason | null, emails: number, confirmAbove: number): string | null {
  if (reason === 'first_run') return 'This is the first run for this organisation, so nothing is sent until you have checked it.';
  if (reason === 'above_threshold') return `This run would send ${emails} emails, more than the ${confirmAbove} that go out without a check.`;
  return null;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

async function ownOrganisation(db: Db, firmId: string, organisationId: string): Promise<OrgInfo> {
  const org = await loadOrganisation(db, organisationId, firmId);
  if (!org) throw notFound('No such organisation.', 'organisation_not_found');
  return org;
}

/**
 * What "Run now" would do at `now`. When the run needs a confirmation the preview carries a
 * token for exactly this plan (a confirmation row); otherwise none.
 */
export async function previewRun(db: Db, params: { firmId: string; organisationId: string; userId: string | null; now: Date }): Promise<RunPreview> {
  const org = await ownOrganisation(db, params.firmId, params.organisationId);
  const settings = await loadSettings(db, org.id);
  const inWindow = inSendingWindow(settings, org.timezone, params.now);
  const { take, overLimit } = await planRun(db, org, settings, params.now);
  const auto = take.filter((s) => s.occurrence.step.approval !== 'manual');
  const byId = new Map<string, { amountDue: string; currency: string }>();
  for (const inv of await loadInvoicesByExternalId(db, org, [...new Set(take.flatMap((s) => s.invoiceExternalIds))])) byId.set(inv.externalId, inv);
  const steps = new Map<string, number>();
  for (const s of auto) steps.set(stepLabel(s), (steps.get(stepLabel(s)) ?? 0) + 1);
  const emails = auto.length;
  const reason = settings.enabled && inWindow ? confirmationReason(settings, emails) : null;
  let confirmation: RunPreview['confirmation'] = null;
  if (reason) {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(params.now.getTime() + CONFIRMATION_TTL_MS);
    await db.insert(reminderRunConfirmations).values({ firmId: org.firmId, organisationId: org.id, tokenHash: hashToken(token), sendKeys: take.map(plannedKey), emailCount: emails, createdBy: params.userId, createdAt: params.now, expiresAt });
    confirmation = { token, expiresAt: expiresAt.toISOString() };
  }
  return {
    organisationId: org.id,
    organisationName: org.name,
    enabled: settings.enabled,
    inWindow,
    nextWindowOpen: inWindow ? null : (nextWindowOpen(settings, org.timezone, params.now)?.toISOString() ?? null),
    customers: new Set(auto.map((s) => s.contactExternalId)).size,
    emails,
    awaitingApproval: take.length - auto.length,
    invoices: new Set(auto.flatMap((s) => s.invoiceExternalIds)).size,
    overDailyLimit: overLimit.length,
    steps: [...steps].map(([step, n]) => ({ step, emails: n })).sort((a, b) => b.emails - a.emails || a.step.localeCompare(b.step)),
    samples: take.slice(0, SAMPLES).map((s) => {
      const totals = new Map<string, Minor[]>();
      for (const id of s.invoiceExternalIds) {
        const inv = byId.get(id);
        if (inv) totals.set(inv.currency, [...(totals.get(inv.currency) ?? []), minorOf(inv.amountDue, inv.currency)]);
      }
      return {
        customer: s.customerName,
        step: stepLabel(s),
        invoiceCount: s.invoiceExternalIds.length,
        amounts: [...totals].map(([currency, minors]) => formatMoney(sumMinor(minors), currency, org.countryCode)),
        needsApproval: s.occurrence.step.approval === 'manual',
      };
    }),
    confirmationRequired: reason !== null,
    reason,
    reasonText: reasonText(reason, emails, settings.confirmAbove),
    confirmation,
  };
}

/** Would "Run now" without a token be refused? (The route's check; the message says what to do.) */
export async function requireConfirmation(db: Db, params: { firmId: string; organisationId: string; now: Date }): Promise<void> {
  const org = await ownOrganisation(db, params.firmId, params.organisationId);
  const settings = await loadSettings(db, org.id);
  if (!settings.enabled || !inSendingWindow(settings, org.timezone, params.now)) return;
  const { take } = await planRun(db, org, settings, params.now);
  const emails = take.filter((s) => s.occurrence.step.approval !== 'manual').length;
  const reason = confirmationReason(settings, emails);
  if (reason === 'first_run') throw conflict(`This is the first run for ${org.name}: preview it and confirm before anything is sent.`, 'confirmation_required');
  if (reason === 'above_threshold') throw conflict(`This run would send ${emails} emails, more than ${settings.confirmAbove}: preview it and confirm before anything is sent.`, 'confirmation_required');
}

/**
 * Use a confirmation: once, before it expires, for its own organisation. Marks the organisation
 * confirmed (scheduled runs go ahead from now on) and returns the confirmation's id for the run.
 */
export async function redeemConfirmation(db: Db, params: { firmId: string; organisationId: string; token: string; now: Date }): Promise<string> {
  const org = await ownOrganisation(db, params.firmId, params.organisationId);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(reminderRunConfirmations)
      .set({ usedAt: params.now })
      .where(
        and(
          eq(reminderRunConfirmations.firmId, org.firmId),
          eq(reminderRunConfirmations.organisationId, org.id),
          eq(reminderRunConfirmations.tokenHash, hashToken(params.token)),
          isNull(reminderRunConfirmations.usedAt),
          gt(reminderRunConfirmations.expiresAt, params.now),
        ),
      )
      .returning({ id: reminderRunConfirmations.id });
    if (!row) throw conflict('This preview has expired or was already used. Open the preview again and confirm what it shows.', 'confirmation_invalid');
    await tx.update(reminderSettings).set({ confirmedAt: params.now, updatedAt: params.now }).where(and(eq(reminderSettings.organisationId, org.id), isNull(reminderSettings.confirmedAt)));
    return row.id;
  });
}
