import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diffDays } from '../../kernel/dates';
import { DEFAULT_DEMO_COMPANIES, PAYING_HABITS, seedDemo } from '../../integrations/sandbox/demo';
import type { PayingHabit, SbInvoice } from '../../integrations/sandbox/model';
import { createSandbox } from '../../integrations/sandbox/server';
import { SandboxClock, SandboxStore } from '../../integrations/sandbox/store';

const NOW = Date.UTC(2026, 10, 22, 15, 0);
const TODAY = '2026-11-22';

function seeded(seed: number, companies = [...DEFAULT_DEMO_COMPANIES]) {
  const store = new SandboxStore(new SandboxClock(() => NOW));
  const ids = seedDemo(store, { seed, companies, today: TODAY });
  return { store, ids };
}

function ledgerHash(store: SandboxStore): string {
  const h = createHash('sha256');
  for (const map of [store.companies, store.contacts, store.invoices, store.payments, store.creditNotes, store.prepayments] as Map<string, unknown>[]) {
    for (const [id, v] of map) h.update(`${id}\u0000${JSON.stringify(v)}\n`);
  }
  h.update(JSON.stringify(store.deletions));
  return h.digest('hex');
}

const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;
const normalise = (name: string) => name.toLowerCase().replace(/\s+/g, ' ').trim();

describe('demo ledger generator', () => {
  const a = seeded(42);

  it('is deterministic: same seed → identical ledger (ids included), another seed → another ledger', () => {
    const b = seeded(42);
    expect(b.ids).toEqual(a.ids);
    expect(ledgerHash(b.store)).toBe(ledgerHash(a.store));
    const c = seeded(43);
    expect(c.ids).not.toEqual(a.ids);
    expect(ledgerHash(c.store)).not.toBe(ledgerHash(a.store));
  });

  it('creates the four default companies in their currencies and time zones, with 50–500 customers each', () => {
    const companies = a.ids.map((id) => a.store.company(id));
    expect(companies.map((c) => [c.provider, c.name, c.baseCurrency, c.timezone])).toEqual([
      ['xero', 'Harbour Joinery Ltd', 'GBP', 'Europe/London'],
      ['xero', 'Kiwi Plumbing Co', 'NZD', 'Pacific/Auckland'],
      ['quickbooks', 'Redwood Dental Group', 'USD', 'America/Los_Angeles'],
      ['quickbooks', 'Maple Street Bakery', 'CAD', 'America/Toronto'],
    ]);
    expect(companies[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(companies[2]!.id).toMatch(/^\d{16}$/);
    for (const c of companies) {
      const n = a.store.list('contacts', c.id).length;
      expect(n).toBeGreaterThanOrEqual(50);
      expect(n).toBeLessThanOrEqual(500);
    }
    // Kiwi Plumbing invoices some customers in AUD / USD, at the company's rates.
    const kiwi = a.store.list('invoices', a.ids[1]!);
    const currencies = new Set(kiwi.map((i) => i.currency));
    expect([...currencies].sort()).toEqual(['AUD', 'NZD', 'USD']);
    expect(kiwi.find((i) => i.currency === 'AUD')!.currencyRate).toBe('1.0870');
  });

  it('covers two years of history ending today', () => {
    for (const id of a.ids) {
      const dates = a.store.list('invoices', id).map((i) => i.issueDate).sort();
      expect(dates.at(-1)! <= TODAY).toBe(true);
      expect(diffDays(dates[0]!, TODAY)).toBeGreaterThan(700);
      expect(diffDays(dates[0]!, TODAY)).toBeLessThanOrEqual(730);
    }
  });

  it('gives every company every paying habit, and the habits show in the payments', () => {
    for (const id of a.ids) {
      const habits = new Set(a.store.list('contacts', id).map((c) => c.habit));
      expect([...habits].sort()).toEqual([...PAYING_HABITS].sort());
    }
    // Average days late of fully paid invoices, per habit, across companies.
    const late = new Map<PayingHabit, number[]>();
    for (const inv of a.store.invoices.values()) {
      if (inv.status !== 'PAID' || !inv.dueDate || inv.amountCredited > 0) continue;
      const habit = a.store.contacts.get(inv.contactId)!.habit;
      const list = late.get(habit) ?? [];
      list.push(diffDays(inv.dueDate, inv.fullyPaidOnDate!));
      late.set(habit, list);
    }
    const mean = (h: PayingHabit) => {
      const xs = late.get(h) ?? [];
      return xs.reduce((s, x) => s + x, 0) / xs.length;
    };
    expect(mean('prompt')).toBeLessThan(1);
    expect(mean('slow')).toBeGreaterThan(9);
    expect(mean('slow')).toBeLessThan(30);
    expect(mean('chronic_late')).toBeGreaterThan(29);
    expect(mean('chronic_late')).toBeGreaterThan(mean('slow'));
    // Deteriorating customers pay later in their second year than in their first.
    const det = [...a.store.invoices.values()].filter((i) => i.status === 'PAID' && i.dueDate && a.store.contacts.get(i.contactId)!.habit === 'deteriorating' && i.amountCredited === 0);
    const byYear = (from: string, to: string) => {
      const xs = det.filter((i) => i.issueDate >= from && i.issueDate < to).map((i) => diffDays(i.dueDate!, i.fullyPaidOnDate!));
      return xs.reduce((s, x) => s + x, 0) / xs.length;
    };
    expect(byYear('2025-05-22', '2026-11-23')).toBeGreaterThan(byYear('2024-11-22', '2025-05-22') + 10);
    // Disputers get credit notes; partial payers leave invoices with several payments.
    const credited = [...a.store.invoices.values()].filter((i) => i.amountCredited > 0 || hasCreditLink(a.store, i));
    expect(credited.some((i) => a.store.contacts.get(i.contactId)!.habit === 'disputer')).toBe(true);
    const paymentsPerInvoice = new Map<string, number>();
    for (const p of a.store.payments.values()) for (const al of p.allocations) paymentsPerInvoice.set(al.invoiceId, (paymentsPerInvoice.get(al.invoiceId) ?? 0) + 1);
    const multi = [...paymentsPerInvoice].filter(([, n]) => n >= 2).map(([id]) => a.store.invoices.get(id)!);
    expect(multi.filter((i) => a.store.contacts.get(i.contactId)!.habit === 'partial_payer').length).toBeGreaterThan(20);
    const partlyPaidOpen = [...a.store.invoices.values()].filter((i) => i.status === 'AUTHORISED' && i.amountPaid > 0);
    expect(partlyPaidOpen.length).toBeGreaterThan(0);
  });

  it('carries realistic bad data', () => {
    for (const id of a.ids) {
      const contacts = a.store.list('contacts', id);
      const invoices = a.store.list('invoices', id);
      expect(contacts.some((c) => c.email === null)).toBe(true);
      expect(contacts.some((c) => c.email !== null && !EMAIL.test(c.email))).toBe(true);
      expect(contacts.some((c) => c.phone === null)).toBe(true);
      expect(contacts.some((c) => c.address === null)).toBe(true);
      const names = new Map<string, number>();
      for (const c of contacts) {
        const key = normalise(c.name).replace(/ \(2\)$/, '').replace(/ (ltd|limited|incorporated|inc\.?)$/, '').replace(/ and /g, ' & ');
        names.set(key, (names.get(key) ?? 0) + 1);
      }
      expect([...names.values()].some((n) => n > 1)).toBe(true);
      expect(invoices.some((i) => i.dueDate === null)).toBe(true);
      expect(invoices.some((i) => i.status === 'VOIDED')).toBe(true);
      expect(invoices.some((i) => i.status === 'DELETED')).toBe(true);
      expect(invoices.some((i) => i.lines.length > 1 && i.lines.some((l) => l.tracking.length > 0))).toBe(true);
    }
    // Xero deletes only drafts; deleted Xero invoices never carry payments.
    expect(a.store.deletions.filter((d) => d.entity === 'invoice').length).toBeGreaterThan(0);
  });

  it('keeps every document consistent', () => {
    for (const inv of a.store.invoices.values()) {
      expect(inv.total).toBe(inv.subTotal + inv.totalTax);
      if (inv.status === 'VOIDED' || inv.status === 'DELETED') {
        expect(inv.amountPaid + inv.amountCredited).toBe(0);
        continue;
      }
      // A QuickBooks deposit taken when the invoice was raised is neither paid nor credited.
      expect(inv.amountDue).toBe(inv.total - (inv.deposit ?? 0) - inv.amountPaid - inv.amountCredited);
      expect(inv.amountDue).toBeGreaterThanOrEqual(0);
      expect(inv.status === 'PAID').toBe(inv.amountDue === 0);
      if (inv.status === 'PAID') expect(inv.fullyPaidOnDate! >= inv.issueDate).toBe(true);
      expect(inv.createdAt).toBeLessThanOrEqual(inv.updatedAt);
      expect(inv.updatedAt).toBeLessThan(NOW);
    }
    for (const p of a.store.payments.values()) {
      for (const al of p.allocations) {
        const inv = a.store.invoices.get(al.invoiceId)!;
        expect(inv.companyId).toBe(p.companyId);
        expect(al.date >= inv.issueDate).toBe(true);
        expect(al.date <= TODAY).toBe(true);
      }
    }
    for (const cn of a.store.creditNotes.values()) {
      expect(cn.remainingCredit).toBeGreaterThanOrEqual(0);
      expect(cn.total).toBe(cn.subTotal + cn.totalTax);
    }
    // QuickBooks ids are unique across realms (the store's maps are keyed by id).
    const qboInvoices = [...a.store.invoices.values()].filter((i) => a.store.company(i.companyId).provider === 'quickbooks');
    expect(new Set(qboInvoices.map((i) => i.id)).size).toBe(qboInvoices.length);
    // Timestamps are historical: a document is stamped on its own date, in the company's zone.
    const sample = a.store.list('invoices', a.ids[0]!)[100]!;
    expect(new Date(sample.createdAt).toISOString().slice(0, 10)).toBe(sample.issueDate);
  });

  it('starts the sandbox clock at now, not ahead of it, after seeding', () => {
    let now = NOW;
    const sb = createSandbox({ baseUrl: 'http://x.test', now: () => now, seed: 1 });
    expect(sb.ctx.store.clock.peek()).toBe(NOW);
    now += 1000;
    expect(sb.ctx.store.clock.now()).toBe(NOW + 1000);
    sb.close();
  });

  it('rejects bad sizes with a validation error', () => {
    const store = new SandboxStore(new SandboxClock(() => NOW));
    expect(() => seedDemo(store, { seed: 1, companies: [{ provider: 'xero', customers: 0 }] })).toThrow(/customers/);
    expect(() => seedDemo(store, { seed: 1, companies: [{ provider: 'xero', customers: 5, timezone: 'Mars/Olympus' }] })).toThrow(/time zone/);
  });

  it('generates a 100k-invoice company (benchmark size)', () => {
    const store = new SandboxStore(new SandboxClock(() => NOW));
    const started = performance.now();
    const [id] = seedDemo(store, { seed: 7, companies: [{ provider: 'xero', customers: 2000, invoices: 100_000 }], today: TODAY });
    const ms = performance.now() - started;
    console.log(`[demo] 100,000 invoices / 2,000 customers generated in ${ms.toFixed(0)} ms (${store.payments.size} payments, ${store.creditNotes.size} credit notes)`);
    expect(store.list('invoices', id!).length).toBe(100_000);
    expect(store.list('contacts', id!).length).toBe(2000);
  }, 120_000);
});

function hasCreditLink(store: SandboxStore, inv: SbInvoice): boolean {
  for (const p of store.payments.values()) if (p.creditNoteLinks.length && p.allocations.some((al) => al.invoiceId === inv.id)) return true;
  return false;
}
