/**
 * Which timeline entries (activities) are Arcus actions, and what the report calls them. Pure.
 * The kinds are the ones their writers define (server/scoring/in-motion.ts, collections/plans.ts).
 */
import { CALL_LOGGED, CONTACT_CONTACTED, INVOICE_DISPUTED, NOTE_ADDED, PLAN_CREATED, PROMISE_RECORDED, REMINDER_SENT } from '../scoring/in-motion';
import type { TouchKind } from './attribution';

/** PLAN_INSTALMENT_REMINDED of server/collections/plans.ts (a service module; the core imports no I/O). */
export const INSTALMENT_REMINDED = 'plan.instalment_reminder_sent';
const PLAN_INSTALMENT_REMINDED = INSTALMENT_REMINDED;

/** Activity kinds that count as an Arcus touch for attribution, and the touch each one is. */
export function touchKindOf(kind: string, source: string | null): TouchKind | null {
  switch (kind) {
    case REMINDER_SENT:
      return source === 'pay_link' ? 'pay_link' : 'reminder';
    case PLAN_CREATED:
    case PLAN_INSTALMENT_REMINDED:
      return 'plan';
    case CALL_LOGGED:
    case CONTACT_CONTACTED:
      return 'call';
    default:
      return null;
  }
}

export const TOUCH_ACTIVITY_KINDS = [REMINDER_SENT, PLAN_CREATED, PLAN_INSTALMENT_REMINDED, CALL_LOGGED, CONTACT_CONTACTED] as const;

/** The actions the report counts, in its order, each in words. */
export const ACTION_ROWS = [
  { key: 'reminder', name: 'Reminders sent' },
  { key: 'pay_link', name: 'Pay links sent' },
  { key: 'plan', name: 'Payment plans set up' },
  { key: 'instalment', name: 'Instalment reminders sent' },
  { key: 'call', name: 'Calls and contacts logged' },
  { key: 'note', name: 'Notes added' },
  { key: 'promise', name: 'Promises to pay recorded' },
  { key: 'dispute', name: 'Disputes raised' },
] as const;
export type ActionRowKey = (typeof ACTION_ROWS)[number]['key'];

export const COUNTED_ACTIVITY_KINDS = [REMINDER_SENT, PLAN_CREATED, PLAN_INSTALMENT_REMINDED, CALL_LOGGED, CONTACT_CONTACTED, NOTE_ADDED, PROMISE_RECORDED, INVOICE_DISPUTED] as const;

export function actionRowOf(kind: string, source: string | null): ActionRowKey | null {
  switch (kind) {
    case REMINDER_SENT:
      return source === 'pay_link' ? 'pay_link' : 'reminder';
    case PLAN_CREATED:
      return 'plan';
    case PLAN_INSTALMENT_REMINDED:
      return 'instalment';
    case CALL_LOGGED:
    case CONTACT_CONTACTED:
      return 'call';
    case NOTE_ADDED:
      return 'note';
    case PROMISE_RECORDED:
      return 'promise';
    case INVOICE_DISPUTED:
      return 'dispute';
    default:
      return null;
  }
}
