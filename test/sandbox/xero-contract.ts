/**
 * Validates sandbox Xero responses against Xero's own OpenAPI spec (the project's copy in
 * integrations/sandbox/specs/xero, never ../shared). The whole `components` block is added to
 * ajv as one schema, so `$ref`s resolve as in the spec.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export const SPEC_PATH = fileURLToPath(new URL('../../integrations/sandbox/specs/xero/xero_accounting.yaml', import.meta.url));

const SCHEMA_ID = 'xero-accounting.yaml';

export const RESPONSE_SCHEMAS = ['Organisations', 'Accounts', 'Contacts', 'Invoices', 'Payments', 'CreditNotes', 'Overpayments', 'Prepayments', 'Allocations', 'Allocation', 'HistoryRecords', 'OnlineInvoices', 'Error'] as const;
export type ResponseSchema = (typeof RESPONSE_SCHEMAS)[number];

interface SpecDoc {
  components: { schemas: Record<string, { enum?: string[] }> };
}

let cached: { validators: Record<ResponseSchema, ValidateFunction>; doc: SpecDoc } | null = null;

export function xeroSpec(): { validators: Record<ResponseSchema, ValidateFunction>; doc: SpecDoc } {
  if (cached) return cached;
  const doc = parse(readFileSync(SPEC_PATH, 'utf8')) as SpecDoc;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_ID, components: { schemas: doc.components.schemas } });
  const validators = {} as Record<ResponseSchema, ValidateFunction>;
  for (const name of RESPONSE_SCHEMAS) {
    const v = ajv.getSchema(`${SCHEMA_ID}#/components/schemas/${name}`);
    if (!v) throw new Error(`schema ${name} missing from the spec`);
    validators[name] = v;
  }
  cached = { validators, doc };
  return cached;
}

/** The spec's response schema for an operation's response, or null when it documents none. */
export function schemaFor(method: string, path: string, status: number): ResponseSchema | null {
  const p = path.replace(/^.*\/api\.xro\/2\.0/, '').replace(/\?.*$/, '');
  if (status === 400) return 'Error';
  if (status !== 200) return null;
  const m = method.toUpperCase();
  if (m === 'GET' && /^\/Organisation$/i.test(p)) return 'Organisations';
  if (m === 'GET' && /^\/Accounts(\/[^/]+)?$/i.test(p)) return 'Accounts';
  if (m === 'DELETE' && /^\/CreditNotes\/[^/]+\/Allocations\/[^/]+$/i.test(p)) return 'Allocation';
  if (/^\/Contacts(\/[^/]+)?$/i.test(p)) return 'Contacts';
  if (/^\/Invoices\/[^/]+\/History$/i.test(p)) return 'HistoryRecords';
  if (m === 'GET' && /^\/Invoices\/[^/]+\/OnlineInvoice$/i.test(p)) return 'OnlineInvoices';
  if (/^\/Invoices(\/[^/]+)?$/i.test(p)) return 'Invoices';
  if (/^\/Payments(\/[^/]+)?$/i.test(p)) return 'Payments';
  if (m === 'PUT' && /^\/CreditNotes\/[^/]+\/Allocations$/i.test(p)) return 'Allocations';
  if (/^\/CreditNotes(\/[^/]+)?$/i.test(p)) return 'CreditNotes';
  if (m === 'GET' && /^\/Overpayments(\/[^/]+)?$/i.test(p)) return 'Overpayments';
  if (m === 'GET' && /^\/Prepayments(\/[^/]+)?$/i.test(p)) return 'Prepayments';
  return null;
}

export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/** Validate every recorded response the spec documents; returns the count and any failures. */
export function validateRecorded(recorded: RecordedResponse[]): { checked: number; bySchema: Record<string, number>; failures: string[] } {
  const { validators } = xeroSpec();
  const failures: string[] = [];
  const bySchema: Record<string, number> = {};
  let checked = 0;
  for (const r of recorded) {
    const schema = schemaFor(r.method, r.path, r.status);
    if (!schema) continue;
    checked++;
    bySchema[schema] = (bySchema[schema] ?? 0) + 1;
    const validate = validators[schema];
    if (!validate(r.body)) {
      const errs = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
      failures.push(`${r.method} ${r.path} ${r.status} as ${schema}: ${errs.join(' | ')}`);
    }
  }
  return { checked, bySchema, failures };
}
