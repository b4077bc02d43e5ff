/**
 * Which language a customer's reminders are written in (decision 041): the customer's own
 * (Arcus-side, `reminder_customers.language` — neither Xero's Contact nor QuickBooks' Customer
 * carries one), else the organisation's (`organisations.language`, else its country's), else
 * English. Firm-scoped reads.
 */
import { sql } from 'drizzle-orm';
import { effectiveLanguage, type Language, organisationLanguage } from '../../kernel/locale';
import { type Db, queryRows } from '../db/client';

export interface CustomerLanguage {
  /** The customer's language: what its reminders are written in. */
  language: Language;
  /** The organisation's default: the fallback when a template has no version in `language`. */
  organisation: Language;
}

export async function loadCustomerLanguage(db: Db, org: { id: string; firmId: string }, contactExternalId: string): Promise<CustomerLanguage> {
  const [r] = await queryRows<{ customer: string | null; organisation: string | null; country: string | null }>(
    db,
    sql`SELECT rc.language AS customer, o.language AS organisation, o.country_code AS country
          FROM organisations o
          LEFT JOIN reminder_customers rc ON rc.organisation_id = o.id AND rc.firm_id = o.firm_id AND rc.contact_external_id = ${contactExternalId}
         WHERE o.id = ${org.id}::uuid AND o.firm_id = ${org.firmId}::uuid`,
  );
  return { language: effectiveLanguage(r?.customer, r?.organisation, r?.country), organisation: organisationLanguage(r?.organisation, r?.country) };
}

/** Several customers' languages in one query (a batch of sends). */
export async function loadCustomerLanguages(db: Db, org: { id: string; firmId: string }, contactExternalIds: readonly string[]): Promise<Map<string, CustomerLanguage>> {
  const ids = [...new Set(contactExternalIds)];
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ ext: string; customer: string | null; organisation: string | null; country: string | null }>(
    db,
    sql`SELECT x.ext, rc.language AS customer, o.language AS organisation, o.country_code AS country
          FROM organisations o
          CROSS JOIN jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) AS x(ext)
          LEFT JOIN reminder_customers rc ON rc.organisation_id = o.id AND rc.firm_id = o.firm_id AND rc.contact_external_id = x.ext
         WHERE o.id = ${org.id}::uuid AND o.firm_id = ${org.firmId}::uuid`,
  );
  return new Map(rows.map((r) => [r.ext, { language: effectiveLanguage(r.customer, r.organisation, r.country), organisation: organisationLanguage(r.organisation, r.country) }]));
}

/** Which version of a template to use: the customer's language, the organisation's, English, else what there is. Pure. */
export function pickVersion<T extends { language: string }>(versions: readonly T[], want: CustomerLanguage): T | null {
  for (const l of [want.language, want.organisation, 'en']) {
    const hit = versions.find((v) => v.language === l);
    if (hit) return hit;
  }
  return versions[0] ?? null;
}
