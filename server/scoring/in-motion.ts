/**
 * What is already "in motion" for an invoice or a customer, from `activities` (read by
 * in-motion-load.ts), so the worklist ranks it lower. Pure: no I/O. The kinds are written by
 * collector actions, the pay page, payment plans, reminders and the worklist's "Mark contacted";
 * they are defined here once so every writer and reader agrees. An activity applies to one invoice (`invoice_id` set) or to
 * all of a customer's open invoices (`invoice_id` null; the customer is `contact_id` or, when
 * the contact has no row yet, `details.contactExternalId`).
 *
 *   kind               live while                                    details read
 *   promise.recorded   today ≤ details.promisedDate                   { promisedDate: 'YYYY-MM-DD' }
 *   invoice.disputed   no later dispute.resolved for the same target  —
 *   plan.created       no later plan.ended for the same target        —
 *   reminder.sent      within 7 days                                  —
 *   contact.contacted  within 7 days                                  —
 *   call.logged        within 7 days (a call is a contact)            —
 */
import type { CalendarDate } from '../../kernel/dates';

export const PROMISE_RECORDED = 'promise.recorded';
export const INVOICE_DISPUTED = 'invoice.disputed';
export const DISPUTE_RESOLVED = 'dispute.resolved';
export const PLAN_CREATED = 'plan.created';
export const PLAN_ENDED = 'plan.ended';
export const REMINDER_SENT = 'reminder.sent';
export const CONTACT_CONTACTED = 'contact.contacted';
/** A collector's call and note (server/writebacks/collector-log.ts): a call counts as a contact. */
export const CALL_LOGGED = 'call.logged';
export const NOTE_ADDED = 'note.added';

export const IN_MOTION_KINDS = [PROMISE_RECORDED, INVOICE_DISPUTED, DISPUTE_RESOLVED, PLAN_CREATED, PLAN_ENDED, REMINDER_SENT, CONTACT_CONTACTED] as const;

/** How long a reminder or a contact keeps an invoice "in motion". */
export const RECENT_DAYS = 7;

export type MotionKind = 'promised' | 'disputed' | 'on_plan' | 'reminded' | 'contacted';

/**
 * How much of an invoice's value each state leaves for the worklist (multiplied together when
 * several apply): a live promise or plan leaves 20 %, a dispute 30 % (it needs resolving, not
 * chasing), a reminder sent in the last week 70 %, a contact made in the last week 50 %.
 */
export const MOTION_FACTOR: Record<MotionKind, number> = { promised: 0.2, on_plan: 0.2, disputed: 0.3, reminded: 0.7, contacted: 0.5 };

export interface Motion {
  kind: MotionKind;
  /** Recorded against this invoice, or against the customer (all its open invoices). */
  scope: 'invoice' | 'customer';
  /** Words for the worklist: 'promised to pay by 2026-12-12', 'contacted 2 days ago by Dana'. */
  label: string;
  at: string;
  factor: number;
}

export interface MotionTarget {
  organisationId: string;
  contactId: string | null;
  contactExternalId: string;
  invoiceId: string;
}

/** One activity as the loader (in-motion-load.ts) reads it. */
export interface ActivityRow {
  organisation_id: string;
  kind: string;
  contact_id: string | null;
  contact_external_id: string | null;
  invoice_id: string | null;
  at: string;
  promised: string | null;
  actor: string | null;
}

/** The live in-motion states per target, from one query over the firm's recent and open-ended activities. */
export class MotionIndex {
  private readonly byInvoice = new Map<string, ActivityRow[]>();
  private readonly byContact = new Map<string, ActivityRow[]>();

  constructor(
    rows: readonly ActivityRow[],
    private readonly now: Date,
    private readonly today: CalendarDate,
  ) {
    for (const r of rows) {
      if (r.invoice_id) push(this.byInvoice, r.invoice_id, r);
      else {
        if (r.contact_id) push(this.byContact, `${r.organisation_id}|id:${r.contact_id}`, r);
        if (r.contact_external_id) push(this.byContact, `${r.organisation_id}|ext:${r.contact_external_id}`, r);
      }
    }
  }

  /** Live states for one open invoice (its own activities and its customer's), one per kind. */
  motionsOf(t: MotionTarget): Motion[] {
    const rows = [...(this.byInvoice.get(t.invoiceId) ?? [])];
    const seen = new Set<ActivityRow>();
    for (const key of [t.contactId ? `${t.organisationId}|id:${t.contactId}` : null, `${t.organisationId}|ext:${t.contactExternalId}`]) {
      if (!key) continue;
      for (const r of this.byContact.get(key) ?? []) {
        if (seen.has(r)) continue;
        seen.add(r);
        rows.push(r);
      }
    }
    rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const out = new Map<MotionKind, Motion>();
    const recentFrom = this.now.getTime() - RECENT_DAYS * 86_400_000;
    for (const r of rows) {
      const at = new Date(r.at);
      switch (r.kind) {
        case PROMISE_RECORDED:
          if (r.promised && r.promised >= this.today) out.set('promised', motion('promised', `promised to pay by ${r.promised}`, r));
          break;
        case INVOICE_DISPUTED:
          out.set('disputed', motion('disputed', `disputed since ${r.at.slice(0, 10)}`, r));
          break;
        case DISPUTE_RESOLVED:
          out.delete('disputed');
          break;
        case PLAN_CREATED:
          out.set('on_plan', motion('on_plan', `on a payment plan since ${r.at.slice(0, 10)}`, r));
          break;
        case PLAN_ENDED:
          out.delete('on_plan');
          break;
        case REMINDER_SENT:
          if (at.getTime() >= recentFrom) out.set('reminded', motion('reminded', `reminder sent ${ago(at, this.now)}`, r));
          break;
        case CONTACT_CONTACTED:
        case CALL_LOGGED:
          if (at.getTime() >= recentFrom) out.set('contacted', motion('contacted', `contacted ${ago(at, this.now)}${r.actor ? ` by ${r.actor}` : ''}`, r));
          break;
      }
    }
    return [...out.values()];
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function motion(kind: MotionKind, label: string, r: ActivityRow): Motion {
  return { kind, scope: r.invoice_id ? 'invoice' : 'customer', label, at: r.at, factor: MOTION_FACTOR[kind] };
}

function ago(at: Date, now: Date): string {
  const days = Math.floor((now.getTime() - at.getTime()) / 86_400_000);
  return days <= 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
}
