/**
 * Webhook payloads parsed into one shape: which tenant (Xero tenant id / QuickBooks realm id)
 * changed what, with a stable event id for deduplication. Xero events carry no id, so one is
 * derived from the fields that identify an event; Intuit's CloudEvents carry `id`; the legacy
 * Intuit format is identified by realm + entity + id + operation + lastUpdated (+ the merged-away
 * `deletedId` of a `Merge`, which is kept in the payload).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface LedgerEvent {
  eventId: string;
  tenantId: string;
  /** e.g. INVOICE / Invoice, for logs and the stored payload. */
  entity: string;
  resourceId: string;
  operation: string;
  payload: unknown;
  /** QuickBooks legacy `Merge`: the record merged away (`deletedId`); `resourceId` is the survivor. */
  deletedId?: string;
}

const XeroEventSchema = z.object({
  resourceUrl: z.string().optional(),
  resourceId: z.string().min(1),
  eventDateUtc: z.string().min(1),
  eventType: z.string().min(1),
  eventCategory: z.string().min(1),
  tenantId: z.string().min(1),
  tenantType: z.string().optional(),
});

export const XeroPayloadSchema = z.object({
  events: z.array(z.unknown()),
  firstEventSequence: z.number().optional(),
  lastEventSequence: z.number().optional(),
  entropy: z.string().optional(),
});

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

/** Xero: `{events:[…]}`. An empty list is the intent-to-receive check. Malformed events are skipped. */
export function parseXeroPayload(body: unknown): LedgerEvent[] | null {
  const parsed = XeroPayloadSchema.safeParse(body);
  if (!parsed.success) return null;
  const out: LedgerEvent[] = [];
  for (const raw of parsed.data.events) {
    const e = XeroEventSchema.safeParse(raw);
    if (!e.success) continue;
    const { tenantId, resourceId, eventDateUtc, eventType, eventCategory } = e.data;
    out.push({ eventId: `xero:${digest(tenantId, resourceId, eventDateUtc, eventType, eventCategory)}`, tenantId, entity: eventCategory, resourceId, operation: eventType, payload: raw });
  }
  return out;
}

/** `deletedId` comes with `operation: "Merge"`: the id merged into `id`, which QuickBooks no longer has. */
const LegacyEntitySchema = z.object({
  name: z.string().min(1),
  id: z.string().min(1),
  operation: z.string().min(1),
  lastUpdated: z.string().default(''),
  deletedId: z.string().min(1).optional(),
});
const LegacySchema = z.object({
  eventNotifications: z.array(z.object({ realmId: z.string().min(1), dataChangeEvent: z.object({ entities: z.array(z.unknown()).default([]) }).optional() })),
});

const CloudEventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  intuitaccountid: z.string().min(1),
  intuitentityid: z.string().optional(),
  time: z.string().optional(),
});

/** QuickBooks: the legacy `{eventNotifications:[…]}` or a CloudEvents array. null when it is neither. */
export function parseQuickBooksPayload(body: unknown): LedgerEvent[] | null {
  if (Array.isArray(body)) {
    const out: LedgerEvent[] = [];
    for (const raw of body) {
      const e = CloudEventSchema.safeParse(raw);
      if (!e.success) continue;
      // type: qbo.<entity>.<verb>.v1
      const [, entity = 'unknown', verb = 'unknown'] = e.data.type.split('.');
      out.push({ eventId: `ce:${e.data.id}`, tenantId: e.data.intuitaccountid, entity, resourceId: e.data.intuitentityid ?? '', operation: verb, payload: raw });
    }
    return out;
  }
  const legacy = LegacySchema.safeParse(body);
  if (!legacy.success) return null;
  const out: LedgerEvent[] = [];
  for (const n of legacy.data.eventNotifications) {
    for (const raw of n.dataChangeEvent?.entities ?? []) {
      const e = LegacyEntitySchema.safeParse(raw);
      if (!e.success) continue;
      const { name, id, operation, lastUpdated, deletedId } = e.data;
      // Two merges into the same record in the same second are two events: the merged-away id is part of the key.
      const eventId = `legacy:${deletedId === undefined ? digest(n.realmId, name, id, operation, lastUpdated) : digest(n.realmId, name, id, operation, lastUpdated, deletedId)}`;
      out.push({ eventId, tenantId: n.realmId, entity: name, resourceId: id, operation, payload: { realmId: n.realmId, ...e.data }, ...(deletedId === undefined ? {} : { deletedId }) });
    }
  }
  return out;
}
