/**
 * One Xero API client per connection for the writers (notes and write-backs): xero-node's
 * AccountingApi with `basePath` from config, the opened ledger's CallRunner (the tenant's rate
 * limiter, a deadline, a call counter; see server/ledger/gateway.ts), and Xero's errors classified
 * by status (classifyXeroError).
 */
import { AccountingApi } from 'xero-node';
import { type CallRunner, headerGetter } from '../ledger/call';
import { classifyXeroError } from './errors';

export interface XeroClientParams {
  apiBaseUrl: string;
  accessToken: string;
  tenantId: string;
  /** The opened ledger's runner, shared with its reads (one gate per tenant). */
  runner: CallRunner;
}

type SdkResponse<T> = { response: { status?: number; headers?: unknown }; body: T };

export class XeroClient {
  readonly sdk: AccountingApi;
  readonly tenant: string;
  private readonly runner: CallRunner;

  constructor(params: XeroClientParams) {
    this.sdk = new AccountingApi(params.apiBaseUrl);
    this.sdk.basePath = params.apiBaseUrl;
    this.sdk.accessToken = params.accessToken;
    this.tenant = params.tenantId;
    this.runner = params.runner;
  }

  get calls(): number {
    return this.runner.calls;
  }

  /** One SDK call, e.g. `call('Reading the Xero invoice', (sdk, tenant) => sdk.getInvoice(tenant, id))`. */
  call<T>(what: string, fn: (sdk: AccountingApi, tenant: string) => Promise<SdkResponse<T>>): Promise<T> {
    return this.runner.run(
      what,
      async () => {
        const r = await fn(this.sdk, this.tenant);
        return { value: r.body, status: r.response.status ?? 200, headers: headerGetter(r.response.headers) };
      },
      (err) => classifyXeroError(err, what),
    );
  }
}
