import { parseArgs } from 'node:util';
import { DEFAULT_DEMO_COMPANIES, type DemoCompanySpec } from '../../integrations/sandbox/demo';
import type { Provider } from '../../integrations/sandbox/model';
import { DEFAULT_SANDBOX_SEED, newAdminToken, startSandbox } from '../../integrations/sandbox/server';
import { isCalendarDate } from '../../kernel/dates';
import { type Command, UsageError } from '../command';

const USAGE = [
  'arcus sandbox [--port N] [--host H] [--seed S] [--auto-consent] [--client-id X --client-secret Y]',
  '              [--admin-token T] [--redirect-uri URL …] [--xero-webhook URL] [--qbo-webhook URL] [--qbo-webhook-format legacy|cloudevents]',
  '              [--customers N] [--invoices N] [--provider xero|quickbooks] [--today YYYY-MM-DD] [--no-demo]',
].join('\n');

function positiveInt(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) throw new UsageError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}

function url(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    return value;
  } catch {
    throw new UsageError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}

export const command: Command = {
  name: 'sandbox',
  summary: 'Run the sandbox ledger (Xero + QuickBooks imitation with demo companies)',
  usage: USAGE,
  async run(args) {
    let values: Record<string, string | boolean | string[] | undefined>;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          port: { type: 'string' },
          host: { type: 'string' },
          seed: { type: 'string' },
          'auto-consent': { type: 'boolean' },
          'client-id': { type: 'string' },
          'client-secret': { type: 'string' },
          'admin-token': { type: 'string' },
          'redirect-uri': { type: 'string', multiple: true },
          'xero-webhook': { type: 'string' },
          'qbo-webhook': { type: 'string' },
          'qbo-webhook-format': { type: 'string' },
          customers: { type: 'string' },
          invoices: { type: 'string' },
          provider: { type: 'string' },
          today: { type: 'string' },
          'no-demo': { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const port = positiveInt('--port', str('port')) ?? 4010;
    if (port > 65535) throw new UsageError('--port must be at most 65535');
    const seedText = str('seed');
    if (seedText !== undefined && !/^-?\d+$/.test(seedText)) throw new UsageError(`--seed must be an integer, got ${JSON.stringify(seedText)}`);
    const seed = seedText === undefined ? DEFAULT_SANDBOX_SEED : Number(seedText);
    const customers = positiveInt('--customers', str('customers'), 1);
    const invoices = positiveInt('--invoices', str('invoices'));
    const providerArg = str('provider');
    if (providerArg !== undefined && !['xero', 'quickbooks', 'qbo'].includes(providerArg)) throw new UsageError('--provider must be xero or quickbooks');
    const onlyProvider: Provider | undefined = providerArg === 'qbo' ? 'quickbooks' : (providerArg as Provider | undefined);
    const today = str('today');
    if (today !== undefined && !isCalendarDate(today)) throw new UsageError(`--today must be YYYY-MM-DD, got ${JSON.stringify(today)}`);
    const format = str('qbo-webhook-format');
    if (format !== undefined && format !== 'legacy' && format !== 'cloudevents') throw new UsageError('--qbo-webhook-format must be legacy or cloudevents');
    if (str('client-secret') && !str('client-id')) throw new UsageError('--client-secret needs --client-id');

    const companies: DemoCompanySpec[] = DEFAULT_DEMO_COMPANIES.filter((c) => !onlyProvider || c.provider === onlyProvider).map((c) => ({
      ...c,
      ...(customers !== undefined ? { customers } : {}),
      ...(invoices !== undefined ? { invoices } : {}),
    }));
    // A fresh token each start unless one is given (printed below).
    const adminToken = str('admin-token') ?? newAdminToken();
    // Where authorize may send a browser back (an Arcus elsewhere: APP_URL/oauth/<provider>/callback).
    const given = values['redirect-uri'] as unknown;
    const redirectUris = (Array.isArray(given) ? (given as string[]) : []).map((u) => url('--redirect-uri', u)!);
    const started = Date.now();
    const server = await startSandbox({
      port,
      host: str('host'),
      seed,
      demo: values['no-demo'] ? false : { companies, today },
      autoConsent: values['auto-consent'] === true,
      clientId: str('client-id'),
      clientSecret: str('client-secret'),
      adminToken,
      redirectUris: redirectUris.length ? redirectUris : undefined,
      webhookUrls: { ...(str('xero-webhook') ? { xero: url('--xero-webhook', str('xero-webhook')) } : {}), ...(str('qbo-webhook') ? { quickbooks: url('--qbo-webhook', str('qbo-webhook')) } : {}) },
      webhooks: format ? { qboFormat: format } : {},
    });
    const { ctx, companyIds } = server.sandbox;
    const lines = [
      `Sandbox ledger listening at ${server.url}  (seed ${seed}, generated in ${Date.now() - started} ms)`,
      `  Xero:       ${server.url}/xero/identity/.well-known/openid-configuration   API ${server.url}/xero/api.xro/2.0`,
      `  QuickBooks: ${server.url}/qbo/.well-known/openid-configuration   API ${server.url}/qbo/v3/company`,
      `  Consent:    ${ctx.options.autoConsent ? 'automatic (--auto-consent)' : 'consent page in the browser'}; clients: ${ctx.options.clientId ? `only ${ctx.options.clientId}` : 'any id/secret'}`,
      `  Admin:      ${server.url}/admin   Authorization: Bearer ${adminToken}`,
      '',
      'Companies:',
    ];
    for (const id of companyIds) {
      const c = ctx.store.company(id);
      let n = 0;
      for (const inv of ctx.store.invoices.values()) if (inv.companyId === id) n++;
      lines.push(`  ${c.provider.padEnd(10)} ${id.padEnd(36)}  ${c.name} (${c.baseCurrency}, ${c.timezone}, ${n} invoices)`);
    }
    if (!companyIds.length) lines.push('  (none: --no-demo)');
    const hooks = Object.entries(ctx.options.webhookUrls);
    if (hooks.length) lines.push('', 'Webhooks:', ...hooks.map(([p, u]) => `  ${p.padEnd(10)} ${u}`));
    console.log(lines.join('\n'));
    const stop = () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  },
};
