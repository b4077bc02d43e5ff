/**
 * One QuickBooks API client per connection for the writers (notes and write-backs): the
 * node-quickbooks wrapper (sdk.ts) with the endpoint from config, the opened ledger's CallRunner
 * (the tenant's rate limiter, a deadline, a call counter), and QBO's faults classified — 5010 (stale SyncToken) → 'stale_object', 610
 * (Object Not Found, sent as a 400) → 'not_found'.
 */
import { type CallRunner, headerGetter } from '../ledger/call';
import { LedgerError } from '../ledger/errors';
import { classifyQboError, qboFaultCode } from './errors';
import { type Json, type QboMethod, QboSdk } from './sdk';

export interface QboClientParams {
  apiBaseUrl: string;
  accessToken: string;
  tenantId: string;
  /** The opened ledger's runner, shared with its reads (one gate per tenant). */
  runner: CallRunner;
}

export class QboClient {
  private readonly sdk: QboSdk;
  private readonly runner: CallRunner;

  constructor(params: QboClientParams) {
    this.sdk = new QboSdk({ apiBaseUrl: params.apiBaseUrl, accessToken: params.accessToken, realmId: params.tenantId });
    this.runner = params.runner;
  }

  get calls(): number {
    return this.runner.calls;
  }

  call(what: string, method: QboMethod, arg: unknown): Promise<Json> {
    return this.runner.run(
      what,
      async () => {
        const r = await this.sdk.call<Json | undefined>(method, arg);
        return { value: r.body ?? {}, status: r.status, headers: headerGetter(r.headers) };
      },
      (err) => {
        const c = classifyQboError(err, what);
        const code = qboFaultCode(err);
        if (code === '5010') return { ...c, error: new LedgerError('stale_object', c.error.message, { status: c.status }) };
        if (code === '610') return { ...c, error: new LedgerError('not_found', c.error.message, { status: c.status }) };
        return c;
      },
    );
  }
}
