/**
 * "Tell the debtor by email, once" — the sequence a card refund, a returned payment, a
 * cancellation, a failed autopay charge and a refund recorded in the ledger each follow when they
 * email the customer about themselves (server/refunds/card.ts, server/returns/service.ts,
 * server/cancellations/service.ts, server/autopay/charge.ts):
 *
 *   mail set up? → the organisation (with settings) → the customer's recipients →
 *   claim the row (`debtor_notified_at`, set only where none is) → the customer's language (else
 *   the organisation's) → the caller's words in it → send (Message-ID from the row id) →
 *   a send that did not go out gives the claim back, so the next pass sends it.
 *
 * The claim is one guarded UPDATE, so two passes at the same row send one email; a process killed
 * between the claim and the SMTP answer leaves it claimed (at most once there, as decision 046).
 * What each caller says on its own timeline (and whether it logs) stays with the caller: this
 * answers what happened, with no addresses beyond the `to` the caller masks itself.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { CalendarDate } from '../../kernel/dates';
import type { Language } from '../../kernel/locale';
import type { Minor } from '../../kernel/money';
import type { Db } from '../db/client';
import { mailDomain } from './deps';
import { loadCustomerLanguage } from './language';
import { type CustomerState, loadOrgWithSettings, type OrgWithSettings } from './load';
import { customerRecipients, type OneOffMail, sendCustomerEmail } from './one-off';
import { formatMoney, sentenceDate } from './render';

/** A row's claim on its one email: `claim` true when this pass holds it; `release` gives it back. */
export interface NoticeClaim {
  claim(at: Date): Promise<boolean>;
  release(): Promise<void>;
}

/** A table whose rows tell their debtor once (`debtor_notified_at`), firm-scoped by `firm_id`. */
export type DebtorNoticeTable = PgTable & { id: AnyPgColumn; firmId: AnyPgColumn; debtorNotifiedAt: AnyPgColumn; updatedAt: AnyPgColumn };

/** The claim as the row's `debtor_notified_at`: set only where none is, cleared to give it back. */
export function debtorNotifiedClaim(db: Db, table: DebtorNoticeTable, row: { id: string; firmId: string }): NoticeClaim {
  const theRow = and(eq(table.id, row.id), eq(table.firmId, row.firmId));
  return {
    async claim(at) {
      // The set keys are the four tables' own columns; drizzle cannot see them through the generic table.
      const claimed = await db
        .update(table)
        .set({ debtorNotifiedAt: at, updatedAt: at } as never)
        .where(and(theRow, sql`${table.debtorNotifiedAt} IS NULL`))
        .returning({ id: table.id });
      return claimed.length > 0;
    },
    async release() {
      await db
        .update(table)
        .set({ debtorNotifiedAt: null } as never)
        .where(theRow);
    },
  };
}

/** What the caller's words are written from: the customer's language, and its locale's money and dates. */
export interface NoticeContext {
  language: Language;
  org: OrgWithSettings;
  customer: CustomerState;
  /** The parts every notice has: the greeting's name, the organisation, the signature. */
  names: { customerName: string; organisation: string; signature: string };
  money(minor: Minor, currency: string): string;
  date(date: CalendarDate): string;
}

export type DebtorNotice =
  /** Not sent and not claimed: no email on this server, or the customer has no address / unsubscribed (`why`, in words). */
  | { kind: 'skipped'; why: string }
  /** The organisation is gone: nothing to say. */
  | { kind: 'no_organisation' }
  /** Another pass holds (or held) the claim: that one sends it. */
  | { kind: 'claimed_elsewhere' }
  | { kind: 'sent'; to: string[]; at: Date }
  /**
   * Nothing went out (the mail server deferred it, or refused it for good). The claim is given back,
   * so the next pass sends it — except a refusal under `giveBack: 'temporary'`, and any failure
   * under `giveBack: 'never'`, which keep it.
   */
  | { kind: 'not_sent'; failure: 'temporary' | 'permanent'; message: string; to: string[]; at: Date };

export interface DebtorNoticeInput {
  firmId: string;
  /** The organisation with its settings, or its id to load it by. */
  org: OrgWithSettings | string;
  contactExternalId: string;
  claim: NoticeClaim;
  /** The Message-ID's local part, from the row id (the same on every attempt): `card-refund.<id>`. */
  messageKey: string;
  /**
   * Which failed sends give the claim back: only a deferral, any, or none (the caller says the
   * failure where the claim is and nothing runs again to retry it).
   */
  giveBack: 'temporary' | 'any' | 'never';
  /** The email, once claimed. */
  words(c: NoticeContext): Promise<{ subject: string; lines: string[] }> | { subject: string; lines: string[] };
}

export async function tellDebtorOnce(deps: { db: Db; mail: OneOffMail | null; now(): Date }, n: DebtorNoticeInput): Promise<DebtorNotice> {
  if (!deps.mail) return { kind: 'skipped', why: 'email is not set up on this server.' };
  const org = typeof n.org === 'string' ? await loadOrgWithSettings(deps.db, n.org) : n.org;
  if (!org) return { kind: 'no_organisation' };
  const who = await customerRecipients(deps.db, org, n.contactExternalId);
  if (who.to === null) return { kind: 'skipped', why: who.why };
  const at = deps.now();
  if (!(await n.claim.claim(at))) return { kind: 'claimed_elsewhere' };
  // In the customer's language (decision 041), amounts and dates in its locale; English as always.
  const { language } = await loadCustomerLanguage(deps.db, org, n.contactExternalId);
  const { customer } = who;
  const { subject, lines } = await n.words({
    language,
    org,
    customer,
    names: { customerName: customer.firstName || customer.name, organisation: org.name, signature: org.settings.signature || org.name },
    money: (minor, currency) => formatMoney(minor, currency, org.countryCode, language),
    date: (date) => sentenceDate(date, org.countryCode, language),
  });
  const outcome = await sendCustomerEmail(deps.mail, { firmId: n.firmId, org, to: who.to, messageId: `<${n.messageKey}@${mailDomain(deps.mail.mailFrom)}>`, subject, lines });
  if (outcome.sent) return { kind: 'sent', to: who.to, at };
  if (n.giveBack === 'any' || (n.giveBack === 'temporary' && outcome.kind === 'temporary')) await n.claim.release();
  return { kind: 'not_sent', failure: outcome.kind, message: outcome.message, to: who.to, at };
}
