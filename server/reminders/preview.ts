/**
 * "What will be sent tomorrow" (or on any date): the planner run at the opening of that day's
 * sending window against today's data and claims, with the daily limit applied. Read-only; the
 * API, the Reminders page and `arcus remind --dry-run` show it.
 */
import { addDays, type CalendarDate } from '../../kernel/dates';
import type { Db } from '../db/client';
import { loadOrganisation, loadPlanData, loadSettings } from './load';
import { isBusinessDay, localClock, minuteText, zonedInstant } from './local-time';
import { plan } from './plan';
import { describeOffset } from './policy';
import { formatMoney, minorOf } from './render';
import { SKIP_REASONS, type SkipReason } from './types';

export interface PreviewSend {
  subjectType: 'invoice' | 'customer';
  contactExternalId: string;
  customer: string;
  invoices: { externalId: string; number: string; dueDate: string | null; amountDue: string; display: string }[];
  stepNumber: number;
  stepLabel: string;
  approval: 'auto' | 'manual';
  templateId: string | null;
  recipients: string[];
  overLimit: boolean;
}

export interface PreviewSkip {
  contactExternalId: string;
  customer: string;
  invoice: string;
  stepNumber: number;
  reason: SkipReason;
  reasonText: string;
}

export interface Preview {
  organisationId: string;
  organisationName: string;
  timezone: string;
  date: CalendarDate;
  enabled: boolean;
  businessDay: boolean;
  window: string;
  dailyLimit: number;
  sends: PreviewSend[];
  skips: PreviewSkip[];
}

export async function previewDay(db: Db, params: { firmId: string; organisationId: string; date?: CalendarDate; now: Date }): Promise<Preview | null> {
  const org = await loadOrganisation(db, params.organisationId, params.firmId);
  if (!org) return null;
  const settings = await loadSettings(db, org.id);
  const date = params.date ?? addDays(localClock(org.timezone, params.now).date, 1);
  const at = zonedInstant(date, settings.windowStartMinute, org.timezone);
  const data = await loadPlanData(db, org, date);
  const planned = plan({ now: at, organisationId: org.id, timezone: org.timezone, customerDailyLimit: settings.customerDailyLimit, ...data });
  const byId = new Map(data.invoices.map((i) => [i.externalId, i]));
  const sorted = [...planned.sends].sort((a, b) => b.occurrence.offsetDays - a.occurrence.offsetDays || a.occurrence.day.localeCompare(b.occurrence.day) || a.customerName.localeCompare(b.customerName));
  let room = settings.dailyLimit;
  const sends: PreviewSend[] = sorted.map((s) => {
    const manual = s.occurrence.step.approval === 'manual';
    const overLimit = !manual && room <= 0;
    if (!manual && !overLimit) room--;
    return {
      subjectType: s.subjectType,
      contactExternalId: s.contactExternalId,
      customer: s.customerName,
      invoices: s.invoiceExternalIds.map((id) => {
        const inv = byId.get(id)!;
        return { externalId: id, number: inv.number, dueDate: inv.dueDate, amountDue: inv.amountDue, display: formatMoney(minorOf(inv.amountDue, inv.currency), inv.currency, org.countryCode) };
      }),
      stepNumber: s.occurrence.number,
      stepLabel: `${s.subjectType === 'customer' ? 'Statement · ' : ''}reminder ${s.occurrence.number} (${describeOffset(s.occurrence.offsetDays)})`,
      approval: s.occurrence.step.approval,
      templateId: s.occurrence.step.templateId,
      recipients: s.recipients,
      overLimit,
    };
  });
  const skips: PreviewSkip[] = planned.skips
    .filter((s) => s.reason !== 'superseded')
    .map((s) => ({ contactExternalId: s.contactExternalId, customer: s.customerName, invoice: byId.get(s.subjectId)?.number ?? s.subjectId, stepNumber: s.occurrence.number, reason: s.reason, reasonText: SKIP_REASONS[s.reason] }));
  return {
    organisationId: org.id,
    organisationName: org.name,
    timezone: org.timezone,
    date,
    enabled: settings.enabled,
    businessDay: isBusinessDay(date, settings),
    window: `${minuteText(settings.windowStartMinute)}–${minuteText(settings.windowEndMinute)}`,
    dailyLimit: settings.dailyLimit,
    sends,
    skips,
  };
}
