/**
 * The demo ledger generator: deterministic, seeded companies with customers whose paying
 * habits differ (prompt, slow, chronic late, deteriorating, disputer, partial payer,
 * seasonal), two years of invoices, payments and credit notes, and the bad data real ledgers
 * carry (missing or invalid emails and phones, missing addresses, duplicate customers,
 * invoices without due dates, drafts, voided and deleted invoices). QuickBooks companies also get
 * what real QBO companies hold (issue #13): invoices with a Deposit or a percent discount line,
 * payments on account applied to nothing, cheques recorded and later deleted, and — in a
 * multicurrency company — a rate of its own on each foreign invoice, moving around the spec's.
 * Those draws come from a stream of their own, so the rest of the history is what it was.
 *
 * Determinism: all randomness comes from seeded mulberry32 streams (one for behaviour, one for
 * ids, per company), Xero uuids (companies, contacts, invoices, payments, credit notes, line
 * items, allocations) are drawn from the id stream, and QuickBooks ids come from the store's
 * per-company counter, which sees the same sequence of creations for the same seed.
 *
 * Clock: every document is created through the store (createInvoice / createPayment /
 * allocateCredit / voidInvoice / deleteInvoice), so amounts, statuses and indexes stay
 * consistent; each store write also consumes a clock tick. Afterwards the generator rewrites
 * the timestamps of what it created so history looks historical: `createdAt` = the document
 * date at a working-day hour in the company's time zone, `updatedAt` = the time of the last
 * thing that happened to it (payment, credit, void), always strictly before `now`. Anything
 * written after seeding gets a later clock time, so If-Modified-Since / CDC never miss it.
 * createSandbox pins the clock base to the start of history while seeding, so the ticks the
 * seeding consumes do not push the sandbox clock ahead of real time.
 */
import { type CalendarDate, fromDayNumber, isCalendarDate, isTimeZone, todayIn, toDayNumber } from '../../../kernel/dates';
import type { Minor } from '../../../kernel/money';
import type { PayingHabit, Provider, SbCompany, SbContact, SbInvoice } from '../model';
import { type NewLine, SandboxError, type SandboxStore } from '../store';
import { address, businessName, FIRST_NAMES, INDUSTRIES, type Industry, LAST_NAMES, locale, slug } from './names';
import { hashSeed, Rng } from './prng';

export const PAYING_HABITS: readonly PayingHabit[] = ['prompt', 'slow', 'chronic_late', 'deteriorating', 'disputer', 'partial_payer', 'seasonal'];

export interface DemoCompanySpec {
  provider: Provider;
  name?: string;
  baseCurrency?: string;
  timezone?: string;
  countryCode?: string;
  /** Number of customers (the generator adds nothing on top; ~3% of them are duplicates). */
  customers: number;
  /** Total invoices for the company; by default each customer gets a habit-independent share (~6 a year on average). */
  invoices?: number;
  /** Years of history ending at today (default 2). */
  years?: number;
  /** Other currencies some customers are invoiced in: code → rate to base (1 foreign = rate base). */
  foreignCurrencies?: Record<string, string>;
  /** Which word list and price list to use. */
  industry?: 'joinery' | 'plumbing' | 'dental' | 'bakery';
  /** Sales tax / VAT / GST on lines, in whole percent (0 = NoTax). */
  taxRatePercent?: number;
  /** QuickBooks: the Accounts Receivable accounts of the chart of accounts, the default first (absent: the sample company's `84`). */
  receivableAccounts?: { id: string; name: string }[];
}

export interface SeedDemoOptions {
  seed: number;
  companies?: DemoCompanySpec[];
  /** The last day of history (default: today in each company's time zone at `now`). */
  today?: CalendarDate;
  /** "Now" in ms for today and for timestamps (default: the store clock). */
  now?: number;
}

export const DEFAULT_DEMO_COMPANIES: readonly DemoCompanySpec[] = [
  { provider: 'xero', name: 'Harbour Joinery Ltd', baseCurrency: 'GBP', timezone: 'Europe/London', countryCode: 'GB', customers: 180, industry: 'joinery', taxRatePercent: 20 },
  {
    provider: 'xero',
    name: 'Kiwi Plumbing Co',
    baseCurrency: 'NZD',
    timezone: 'Pacific/Auckland',
    countryCode: 'NZ',
    customers: 120,
    industry: 'plumbing',
    taxRatePercent: 15,
    foreignCurrencies: { AUD: '1.0870', USD: '1.6530' },
  },
  { provider: 'quickbooks', name: 'Redwood Dental Group', baseCurrency: 'USD', timezone: 'America/Los_Angeles', countryCode: 'US', customers: 300, industry: 'dental', taxRatePercent: 0 },
  {
    provider: 'quickbooks',
    name: 'Maple Street Bakery',
    baseCurrency: 'CAD',
    timezone: 'America/Toronto',
    countryCode: 'CA',
    customers: 60,
    industry: 'bakery',
    taxRatePercent: 13,
    foreignCurrencies: { USD: '1.3650' },
  },
];

const DAY_MS = 86_400_000;

const TRACKING: Record<string, { name: string; options: string[] }[]> = {
  joinery: [
    { name: 'Region', options: ['London', 'South East', 'South West'] },
    { name: 'Job Type', options: ['Domestic', 'Commercial', 'Heritage'] },
  ],
  plumbing: [
    { name: 'Region', options: ['Auckland', 'Wellington', 'Canterbury'] },
    { name: 'Job Type', options: ['Maintenance', 'Install', 'Emergency'] },
  ],
  dental: [{ name: 'Class', options: ['Hygiene', 'Restorative', 'Orthodontics'] }],
  bakery: [{ name: 'Class', options: ['Wholesale', 'Retail', 'Catering'] }],
};

/** Offset of a time zone from UTC at an instant, in ms (local = utc + offset). */
function tzOffsetMs(timeZone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return local - Math.floor(at / 1000) * 1000;
}

/** `amount × percent / 100`, rounded half up, in integers only. */
function percentOf(amount: Minor, percent: number): Minor {
  const x = amount * percent;
  const rem = x % 100;
  const q = (x - rem) / 100;
  return rem >= 50 ? q + 1 : q;
}

/** Quantity as a decimal string from quarter units (6 → "1.5"). */
function quarters(q4: number): string {
  const whole = Math.floor(q4 / 4);
  const frac = ['', '.25', '.5', '.75'][q4 % 4]!;
  return `${whole}${frac}`;
}

/** The store's line rounding (half away from zero) for a quantity in quarters. */
function lineAmountQuarters(unit: Minor, q4: number): Minor {
  const n = unit * q4;
  const r = n % 4;
  return (n - r) / 4 + (r >= 2 ? 1 : 0);
}

interface Customer {
  contact: SbContact;
  habit: PayingHabit;
  terms: number;
  startDay: number;
  weight: number;
  badMonths: Set<number>;
  currency: string;
}

type DemoEvent = { day: number; seq: number; invoice: SbInvoice; kind: 'pay' | 'credit'; amount: Minor };

function nameVariant(rng: Rng, name: string): string {
  const variants = [
    name.toUpperCase(),
    name.toLowerCase(),
    `${name} `,
    name.replace(' ', '  '),
    name.includes(' Ltd') ? name.replace(' Ltd', ' Limited') : name.includes(' Limited') ? name.replace(' Limited', ' Ltd') : `${name} Ltd`,
    name.replace(/\.$/, '').replace(' Inc', ' Incorporated'),
    `${name} (2)`,
    name.replace(' & ', ' and '),
  ].filter((v) => v !== name && v.trim().length > 0);
  return variants.length ? rng.pick(variants) : `${name} (2)`;
}

function seedCompany(store: SandboxStore, spec: DemoCompanySpec, index: number, seed: number, nowMs: number, todayOpt: CalendarDate | undefined): string {
  const provider = spec.provider;
  const isXero = provider === 'xero';
  const name = spec.name ?? `Benchmark ${isXero ? 'Xero' : 'QuickBooks'} Company ${index + 1}`;
  const rng = new Rng(hashSeed(seed, index, 'behaviour', name));
  /** Xero's messier settlements (prepayments, overpayments, batches, deleted payments): a stream of their own, so the rest of the history is what it was. */
  const mess = new Rng(hashSeed(seed, index, 'xero-settlements', name));
  /** Each customer's invoices, for batch deposits (a scan of the ledger per batch would be quadratic). */
  const invoicesByContact = new Map<string, SbInvoice[]>();
  const ids = new Rng(hashSeed(seed, index, 'ids', name));
  /** QuickBooks deposits, discounts, rates, bounced cheques, payments on account: their own stream too. */
  const qboMess = new Rng(hashSeed(seed, index, 'qbo-settlements', name));
  const baseCurrency = spec.baseCurrency ?? (isXero ? 'GBP' : 'USD');
  const timezone = spec.timezone ?? (isXero ? 'Europe/London' : 'America/New_York');
  const countryCode = spec.countryCode ?? (isXero ? 'GB' : 'US');
  if (!isTimeZone(timezone)) throw new SandboxError('validation', `unknown time zone ${timezone}`);
  if (!Number.isInteger(spec.customers) || spec.customers < 1) throw new SandboxError('validation', 'customers must be a positive integer');
  if (spec.invoices !== undefined && (!Number.isInteger(spec.invoices) || spec.invoices < 0)) throw new SandboxError('validation', 'invoices must be a non-negative integer');
  const industryKey = spec.industry ?? (isXero ? 'joinery' : 'dental');
  const industry: Industry = INDUSTRIES[industryKey]!;
  const taxPct = spec.taxRatePercent ?? 0;
  const foreign = spec.foreignCurrencies ?? {};
  const foreignCodes = Object.keys(foreign).sort();
  const loc = locale(countryCode, rng);

  const today = todayOpt ?? todayIn(timezone, new Date(nowMs));
  const todayDay = toDayNumber(today);
  const startDay = todayDay - Math.round((spec.years ?? 2) * 365);
  const offset = tzOffsetMs(timezone, nowMs);
  const latest = nowMs - 1000;
  /** A working-hours instant on a calendar day in the company's zone, never after now. */
  const ts = (day: number) => Math.min(day * DAY_MS + 8 * 3_600_000 + rng.int(0, 9 * 3_600_000) - offset, latest);

  const companyId = isXero ? ids.uuid() : `9341${ids.digits(12)}`;
  if (store.companies.has(companyId)) throw new SandboxError('conflict', `company ${companyId} already exists (seeded twice with the same seed?)`);
  const company: SbCompany = {
    id: companyId,
    provider,
    name,
    legalName: name,
    baseCurrency,
    timezone,
    countryCode,
    onlinePayments: !isXero,
    shortCode: `!${ids.uuid().replace(/-/g, '').slice(0, 5)}`,
    createdAt: ts(startDay - 30),
    rates: { ...foreign },
    tracking: (TRACKING[industryKey] ?? []).map((t) => ({ name: t.name, options: [...t.options] })),
    nextInvoiceNumber: 1,
    nextCreditNoteNumber: 1,
    ...(spec.receivableAccounts && !isXero ? { receivableAccounts: spec.receivableAccounts.map((a) => ({ ...a })) } : {}),
  };
  store.addCompany(company);
  const newId = () => (isXero ? ids.uuid() : undefined);

  // ---- customers ---------------------------------------------------------------------------
  const customers: Customer[] = [];
  const originals: Customer[] = [];
  const usedNames = new Set<string>();
  for (let i = 0; i < spec.customers; i++) {
    const duplicateOf = i >= 10 && rng.chance(0.03) ? rng.pick(originals) : null;
    const habit: PayingHabit = duplicateOf
      ? duplicateOf.habit
      : i < PAYING_HABITS.length
        ? PAYING_HABITS[i]!
        : rng.weighted<PayingHabit>([
            ['prompt', 35],
            ['slow', 20],
            ['chronic_late', 9],
            ['deteriorating', 8],
            ['disputer', 8],
            ['partial_payer', 10],
            ['seasonal', 10],
          ]);
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const individual = rng.chance(0.22);
    let contactName: string;
    if (duplicateOf) {
      contactName = nameVariant(rng, duplicateOf.contact.name);
    } else {
      contactName = individual ? `${first} ${last}` : businessName(rng, industry, loc);
      for (let tries = 0; usedNames.has(contactName.trim().toLowerCase()); tries++) {
        contactName = tries < 8 ? businessName(rng, industry, loc) : `${contactName} ${tries}`;
      }
    }
    usedNames.add(contactName.trim().toLowerCase());
    const domain = `${slug(individual ? `${last}family` : contactName) || 'customer'}.${loc.domain}`;
    const goodEmail = individual ? `${slug(first)}.${slug(last)}@${domain}` : rng.chance(0.5) ? `accounts@${domain}` : `${slug(first)}@${domain}`;
    const emailRoll = rng.next();
    const email = duplicateOf && rng.chance(0.6)
      ? duplicateOf.contact.email
      : emailRoll < 0.06
        ? null
        : emailRoll < 0.09
          ? rng.pick([`accounts@`, `${slug(first)}.${slug(last)}@gmail`, `${slug(first)} at ${domain}`, 'n/a', `${slug(first)}@@${domain}`, `${slug(first)}@${domain};${slug(last)}@${domain}`])
          : goodEmail;
    const phoneRoll = rng.next();
    const phone = phoneRoll < 0.1 ? null : phoneRoll < 0.12 ? rng.pick(['0', 'n/a', '12345', 'call office', '+1']) : loc.phone(rng);
    const addr = rng.chance(0.08) ? null : address(rng, loc, countryCode);
    const currency = foreignCodes.length && rng.chance(0.12) ? rng.pick(foreignCodes) : baseCurrency;
    const persons =
      isXero && !individual && email && rng.chance(0.3)
        ? [{ firstName: rng.pick(FIRST_NAMES), lastName: rng.pick(LAST_NAMES), email: `${slug(rng.pick(FIRST_NAMES))}@${domain}`, includeInEmails: rng.chance(0.5) }]
        : [];
    const custStart = rng.chance(0.7) ? startDay : startDay + rng.int(0, Math.floor((todayDay - startDay) * 0.8));
    const contact = store.createContact(
      companyId,
      {
        name: contactName,
        firstName: first,
        lastName: last,
        email,
        contactPersons: persons,
        phone,
        address: addr,
        isCustomer: true,
        currency,
        habit,
      },
      newId(),
    );
    contact.updatedAt = ts(custStart);
    contact.createdAt = contact.updatedAt;
    const months = rng.pick([
      [12, 1, 2],
      [7, 8],
      [6, 7, 8],
      [11, 12],
      [3, 4],
    ]);
    const c: Customer = {
      contact,
      habit,
      terms: rng.weighted([
        [30, 45],
        [14, 20],
        [7, 10],
        [20, 10],
        [45, 10],
        [60, 5],
      ]),
      startDay: custStart,
      weight: 0.25 + 3 * rng.next() ** 3,
      badMonths: new Set(months),
      currency,
    };
    customers.push(c);
    if (!duplicateOf) originals.push(c);
  }

  // ---- invoice schedule ----------------------------------------------------------------------
  const specs: { day: number; cust: number }[] = [];
  if (spec.invoices !== undefined) {
    const cumulative: number[] = [];
    let acc = 0;
    for (const c of customers) {
      acc += c.weight * (todayDay - c.startDay + 1);
      cumulative.push(acc);
    }
    for (let k = 0; k < spec.invoices; k++) {
      const r = rng.next() * acc;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      const c = customers[lo]!;
      specs.push({ day: rng.int(c.startDay, todayDay), cust: lo });
    }
  } else {
    customers.forEach((c, cust) => {
      const years = (todayDay - c.startDay + 1) / 365;
      const n = Math.max(1, Math.round(c.weight * years * 6 * (0.6 + rng.next() * 0.8)));
      for (let k = 0; k < n; k++) specs.push({ day: rng.int(c.startDay, todayDay), cust });
    });
  }
  specs.sort((a, b) => a.day - b.day);

  // ---- invoices ------------------------------------------------------------------------------
  const events: DemoEvent[] = [];
  const stamps = new Map<{ updatedAt: number }, number>();
  const stamp = (doc: { updatedAt: number }, at: number) => {
    const prev = stamps.get(doc);
    if (prev === undefined || at > prev) stamps.set(doc, at);
  };
  const lineAccount = isXero ? '200' : '1';
  const fixLineIds = (lines: { id: string }[]) => {
    lines.forEach((l, i) => {
      l.id = isXero ? ids.uuid() : String(i + 1);
    });
  };
  let seq = 0;
  let qboNumber = 1001;
  const dayCache = new Map<number, CalendarDate>();
  const dateOf = (day: number): CalendarDate => {
    let d = dayCache.get(day);
    if (d === undefined) {
      d = fromDayNumber(day);
      dayCache.set(day, d);
    }
    return d;
  };
  for (const s of specs) {
    const c = customers[s.cust]!;
    const issueDate = dateOf(s.day);
    const nLines = rng.weighted([
      [1, 45],
      [2, 30],
      [3, 15],
      [4, 10],
    ]);
    const lines: NewLine[] = [];
    let itemsTotal = 0;
    let taxTotal = 0;
    for (let l = 0; l < nLines; l++) {
      const item = rng.pick(industry.items);
      const hours = item.unit === 'hours';
      const q4 = hours ? rng.int(2, 40) : 4 * rng.weighted([
          [1, 70],
          [2, 18],
          [3, 8],
          [5, 4],
        ]);
      const unitAmount = hours ? rng.int(item.min / 100, item.max / 100) * 100 : Math.round(rng.int(item.min, item.max) / 500) * 500 || item.min;
      const lineAmount = lineAmountQuarters(unitAmount, q4);
      const tracking = company.tracking.filter(() => rng.chance(0.6)).map((t) => ({ name: t.name, option: rng.pick(t.options) }));
      const taxAmount = taxPct ? percentOf(lineAmount, taxPct) : 0;
      itemsTotal += lineAmount;
      taxTotal += taxAmount;
      lines.push({
        description: item.description,
        quantity: quarters(q4),
        unitAmount,
        taxAmount,
        accountCode: lineAccount,
        itemCode: item.code,
        tracking,
      });
    }
    const noDueDate = rng.chance(0.015);
    const dueDay = s.day + c.terms;
    const recent = s.day > todayDay - 14;
    const draft = isXero && recent && rng.chance(0.05);
    const deleted = rng.chance(0.003);
    const voided = !draft && !deleted && rng.chance(0.006);
    // QuickBooks: a percent discount line after the items (tax stays on the full amount, as with
    // ApplyTaxAfterDiscount false), a deposit taken when the invoice was raised, a rate per
    // foreign invoice.
    let deposit = 0;
    let currencyRate: string | undefined;
    if (!isXero) {
      if (qboMess.chance(0.05)) {
        const pct = qboMess.pick([5, 10, 15]);
        const off = percentOf(itemsTotal, pct);
        if (off > 0) lines.push({ description: `Discount ${pct}%`, quantity: '1', unitAmount: -off, taxAmount: 0, accountCode: lineAccount, itemCode: null });
        itemsTotal -= off;
      }
      if (!draft && !deleted && !voided && qboMess.chance(0.04)) deposit = percentOf(itemsTotal + taxTotal, qboMess.pick([10, 20, 25, 50]));
      if (c.currency !== baseCurrency && foreign[c.currency]) currencyRate = driftedRate(foreign[c.currency]!, qboMess.int(-250, 250));
    }
    const inv = store.createInvoice(
      companyId,
      {
        contactId: c.contact.id,
        issueDate,
        dueDate: noDueDate ? null : dateOf(dueDay),
        lines,
        number: isXero ? undefined : String(qboNumber++),
        reference: isXero && rng.chance(0.4) ? `PO-${rng.digits(5)}` : '',
        currency: c.currency,
        status: draft || (deleted && isXero) ? 'DRAFT' : 'AUTHORISED',
        lineAmountTypes: taxPct ? 'Exclusive' : 'NoTax',
        customerMemo: isXero ? '' : 'Thank you for your business.',
        ...(deposit > 0 ? { deposit } : {}),
        ...(currencyRate ? { currencyRate } : {}),
      },
      newId(),
    );
    fixLineIds(inv.lines);
    const ofContact = invoicesByContact.get(inv.contactId);
    if (ofContact) ofContact.push(inv);
    else invoicesByContact.set(inv.contactId, [inv]);
    const created = ts(s.day);
    inv.createdAt = created;
    inv.history[0]!.at = created;
    stamp(inv, created);
    if (inv.status === 'AUTHORISED') inv.sentToContact = rng.chance(0.95);
    if (deleted) {
      const day = Math.min(todayDay, s.day + rng.int(0, 3));
      store.deleteInvoice(companyId, inv.id);
      const at = Math.max(ts(day), created);
      stamp(inv, at);
      const change = store.deletions[store.deletions.length - 1];
      if (change && change.id === inv.id) change.at = at;
      continue;
    }
    if (voided) {
      const day = Math.min(todayDay, s.day + rng.int(1, 6));
      store.voidInvoice(companyId, inv.id);
      stamp(inv, Math.max(ts(day), created));
      continue;
    }
    if (draft) continue;
    for (const e of planPayments(rng, c, inv, s.day, noDueDate ? s.day + 30 : dueDay)) {
      if (e.day <= todayDay) events.push({ day: e.day, kind: e.kind, amount: e.amount, seq: seq++, invoice: inv });
    }
  }

  // ---- payments and credits, in date order ----------------------------------------------------
  events.sort((a, b) => a.day - b.day || a.seq - b.seq);
  let paymentRef = 1;
  for (const e of events) {
    const inv = e.invoice;
    if (inv.status !== 'AUTHORISED') continue;
    const amount = Math.min(e.amount, inv.amountDue);
    if (amount <= 0) continue;
    const date = dateOf(e.day);
    const at = Math.max(ts(e.day), inv.createdAt);
    const settledBy = e.kind === 'pay' && isXero ? xeroSettlement(mess, inv, baseCurrency) : 'payment';
    if (settledBy === 'prepayment' || settledBy === 'overpayment') {
      // Money received as a credit (before the invoice, or more than was due), then allocated.
      const receivedDay = settledBy === 'prepayment' ? Math.max(startDay, e.day - mess.int(3, 40)) : e.day;
      const extra = settledBy === 'overpayment' ? mess.int(1, 9) * 500 + mess.int(0, 99) : mess.chance(0.3) ? mess.int(100, 20_000) : 0;
      const x = store.createPrepayment(companyId, { kind: settledBy, contactId: inv.contactId, date: dateOf(receivedDay), amount: amount + extra, currency: inv.currency, reference: `Bank transfer ${paymentRef++}` }, mess.uuid());
      x.createdAt = Math.min(at, ts(receivedDay));
      store.allocatePrepayment(companyId, x.id, inv.id, amount, date).id = mess.uuid();
      stamp(x, at);
    } else if (settledBy === 'batch') {
      // One deposit paying this invoice and the customer's other open base-currency invoices in full.
      const others = (invoicesByContact.get(inv.contactId) ?? [])
        .filter((o) => o.id !== inv.id && o.contactId === inv.contactId && o.status === 'AUTHORISED' && o.currency === baseCurrency && o.issueDate <= date && o.amountDue > 0)
        .slice(0, mess.int(1, 3));
      const children = store.createBatchPayment(companyId, { date, reference: `Batch deposit ${paymentRef++}`, allocations: [{ invoiceId: inv.id, amount }, ...others.map((o) => ({ invoiceId: o.id, amount: o.amountDue }))] }, () => mess.uuid());
      for (const p of children) {
        for (const a of p.allocations) a.id = mess.uuid();
        p.createdAt = at;
        stamp(p, at);
      }
      for (const o of others) stamp(o, at);
    } else if (e.kind === 'pay') {
      if (settledBy === 'deleted') {
        // Entered by mistake (wrong amount or invoice), deleted days later; most are entered again.
        const wrong = store.createPayment(companyId, { date, allocations: [{ invoiceId: inv.id, amount }], reference: `Bank transfer ${paymentRef++}` }, mess.uuid());
        for (const a of wrong.allocations) a.id = mess.uuid();
        wrong.createdAt = at;
        const deletedAt = Math.min(latest, at + mess.int(1, 5) * DAY_MS);
        store.deletePayment(companyId, wrong.id);
        stamp(wrong, deletedAt);
        if (mess.chance(0.35)) {
          stamp(inv, deletedAt);
          continue;
        }
      }
      if (!isXero && e.kind === 'pay' && qboMess.chance(0.05)) {
        // A cheque recorded, then deleted when it bounced (QBO: gone from queries, CDC says Deleted).
        const bounced = store.createPayment(companyId, { date, allocations: [{ invoiceId: inv.id, amount }], reference: 'Returned cheque' });
        for (const a of bounced.allocations) a.id = ids.uuid();
        bounced.createdAt = at;
        store.deletePayment(companyId, bounced.id);
        const gone = Math.min(at + 2 * DAY_MS, latest);
        stamp(bounced, gone);
        const change = store.deletions[store.deletions.length - 1];
        if (change && change.id === bounced.id) change.at = gone;
      }
      const p = store.createPayment(companyId, { date, allocations: [{ invoiceId: inv.id, amount }], reference: isXero ? `Bank transfer ${paymentRef++}` : '' }, newId());
      for (const a of p.allocations) a.id = ids.uuid();
      p.createdAt = at;
      stamp(p, at);
    }
    if (e.kind === 'credit') {
      const net = taxPct ? Math.floor((amount * 100 + Math.floor((100 + taxPct) / 2)) / (100 + taxPct)) : amount;
      const cn = store.createCreditNote(
        companyId,
        {
          contactId: inv.contactId,
          date,
          currency: inv.currency,
          reference: inv.number,
          number: isXero ? undefined : `CM${String(company.nextCreditNoteNumber++).padStart(4, '0')}`,
          lines: [{ description: `Credit against ${inv.number}: disputed charges`, unitAmount: net, taxAmount: amount - net, accountCode: lineAccount }],
        },
        newId(),
      );
      fixLineIds(cn.lines);
      cn.createdAt = at;
      stamp(cn, at);
      if (isXero) {
        const alloc = store.allocateCredit(companyId, cn.id, inv.id, amount, date);
        alloc.id = ids.uuid();
      } else {
        // QuickBooks applies a credit memo through a zero-amount payment linking both.
        const p = store.createPayment(companyId, { date, allocations: [{ invoiceId: inv.id, amount }], creditNoteLinks: [{ creditNoteId: cn.id, amount }], amount: 0 });
        for (const a of p.allocations) a.id = ids.uuid();
        p.createdAt = at;
        stamp(p, at);
      }
    }
    stamp(inv, at);
  }

  // ---- QuickBooks payments on account, applied to no invoice ----------------------------------
  if (!isXero) {
    for (const c of customers) {
      if (!qboMess.chance(0.03)) continue;
      const day = qboMess.int(c.startDay, todayDay);
      const p = store.createPayment(companyId, { contactId: c.contact.id, date: dateOf(day), allocations: [], amount: qboMess.int(5, 50) * 1000, reference: 'On account' });
      p.createdAt = Math.max(ts(day), c.contact.createdAt ?? 0);
      stamp(p, p.createdAt);
    }
  }

  // ---- historical timestamps -----------------------------------------------------------------
  for (const [doc, at] of stamps) doc.updatedAt = at;
  return companyId;
}

/**
 * How a Xero customer's payment arrives, in shares like real organisations': mostly a payment;
 * some by a prepayment or an overpayment allocated to the invoice, some in a batch deposit with
 * the customer's other open invoices, and some entered, deleted and (mostly) entered again.
 */
function xeroSettlement(mess: Rng, inv: SbInvoice, baseCurrency: string): 'payment' | 'prepayment' | 'overpayment' | 'batch' | 'deleted' {
  const r = mess.next();
  if (r < 0.04) return 'prepayment';
  if (r < 0.08) return 'overpayment';
  if (r < 0.14 && inv.currency === baseCurrency) return 'batch';
  if (r < 0.26) return 'deleted';
  return 'payment';
}

/** A rate like "1.3650" moved by `bp` ten-thousandths ("1.3650", -120 → "1.3530"), never below 0.0001. */
function driftedRate(rate: string, bp: number): string {
  const m = /^(\d+)(?:\.(\d{1,4}))?$/.exec(rate);
  if (!m) return rate;
  const units = Math.max(1, Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0')) + bp);
  return `${Math.floor(units / 10_000)}.${String(units % 10_000).padStart(4, '0')}`;
}

/** When and how much a customer pays an invoice, by habit. */
function planPayments(rng: Rng, c: Customer, inv: SbInvoice, day: number, dueDay: number): { day: number; kind: 'pay' | 'credit'; amount: Minor }[] {
  const total = inv.total;
  const at = (d: number) => Math.max(day, dueDay + d);
  const full = (d: number) => [{ day: at(d), kind: 'pay' as const, amount: total }];
  switch (c.habit) {
    case 'prompt':
      return full(rng.chance(0.92) ? rng.int(-10, 0) : rng.int(1, 6));
    case 'slow':
      return full(rng.chance(0.95) ? rng.int(10, 25) : rng.int(26, 40));
    case 'chronic_late':
      return rng.chance(0.15) ? [] : full(rng.int(30, 90));
    case 'deteriorating': {
      const q = Math.max(0, Math.floor((day - c.startDay) / 91));
      if (q >= 4 && rng.chance(0.08 * (q - 3))) return [];
      return full(Math.max(-5, q * rng.int(6, 10) + rng.int(-5, 5)));
    }
    case 'seasonal': {
      const month = Number(fromDayNumber(dueDay).slice(5, 7));
      return full(c.badMonths.has(month) ? rng.int(30, 65) : rng.int(-5, 5));
    }
    case 'partial_payer': {
      if (!rng.chance(0.75)) return full(rng.int(0, 20));
      const parts = rng.int(2, 4);
      const out: { day: number; kind: 'pay'; amount: Minor }[] = [];
      let left = total;
      let d = at(rng.int(-3, 10));
      for (let k = 0; k < parts && left > 0; k++) {
        const amount = k === parts - 1 ? left : Math.max(1, percentOf(left, rng.int(25, 60)));
        out.push({ day: d, kind: 'pay', amount });
        left -= amount;
        d += rng.int(10, 35);
      }
      if (out.length > 1 && rng.chance(0.2)) out.pop();
      return out;
    }
    case 'disputer': {
      if (!rng.chance(0.3)) return full(rng.int(0, 15));
      const creditDay = day + rng.int(7, 40);
      const fully = rng.chance(0.2);
      const credit = fully ? total : Math.max(1, percentOf(total, rng.int(10, 50)));
      const out: { day: number; kind: 'pay' | 'credit'; amount: Minor }[] = [{ day: creditDay, kind: 'credit', amount: credit }];
      if (credit < total) out.push({ day: Math.max(creditDay, dueDay + rng.int(5, 35)), kind: 'pay', amount: total - credit });
      return out;
    }
  }
}

/**
 * Seed demo companies into the store and return their ids (in the order of `companies`).
 * The same seed, companies, today and now give the same ledger, ids included.
 */
export function seedDemo(store: SandboxStore, opts: SeedDemoOptions): string[] {
  if (!Number.isFinite(opts.seed)) throw new SandboxError('validation', 'seed must be a number');
  if (opts.today !== undefined && !isCalendarDate(opts.today)) throw new SandboxError('validation', `today must be YYYY-MM-DD, got ${opts.today}`);
  const nowMs = opts.now ?? store.clock.peek();
  if (opts.today !== undefined && toDayNumber(opts.today) * DAY_MS > nowMs + DAY_MS) {
    // A `today` in the future of the clock would give documents timestamps after now.
    throw new SandboxError('validation', `today ${opts.today} is after the sandbox clock`);
  }
  const companies = opts.companies ?? DEFAULT_DEMO_COMPANIES;
  return companies.map((spec, i) => seedCompany(store, spec, i, opts.seed, nowMs, opts.today));
}
