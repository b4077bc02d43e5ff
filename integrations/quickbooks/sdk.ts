/**
 * A small typed wrapper over node-quickbooks (CommonJS, callbacks): constructed through
 * createRequire, pointed at `${apiBaseUrl}/` (the SDK appends realmId + path), OAuth 2 bearer,
 * minor version 75. Never `setOauthVersion` (it goes to the network). Each call resolves with
 * the body plus the HTTP status and headers, which util.promisify would drop.
 */
import { createRequire } from 'node:module';

export const QBO_MINOR_VERSION = 75;

export type Json = Record<string, unknown>;

type Callback = (err: unknown, body: unknown, res?: { status?: number; headers?: unknown }) => void;

interface QuickBooksInstance {
  endpoint: string;
  changeDataCapture(entities: string | string[], since: string, cb: Callback): void;
  findCustomers(criteria: string, cb: Callback): void;
  findInvoices(criteria: string, cb: Callback): void;
  findPayments(criteria: string, cb: Callback): void;
  findCreditMemos(criteria: string, cb: Callback): void;
  findAccounts(criteria: string, cb: Callback): void;
  getCompanyInfo(id: string, cb: Callback): void;
  getPreferences(cb: Callback): void;
  getInvoice(id: string, cb: Callback): void;
  updateInvoice(invoice: Json, cb: Callback): void;
  getPayment(id: string, cb: Callback): void;
  getCreditMemo(id: string, cb: Callback): void;
  createInvoice(invoice: Json, cb: Callback): void;
  createPayment(payment: Json, cb: Callback): void;
  createCreditMemo(creditMemo: Json, cb: Callback): void;
  voidInvoice(invoice: Json, cb: Callback): void;
  deletePayment(payment: Json, cb: Callback): void;
  deleteCreditMemo(creditMemo: Json, cb: Callback): void;
  createRefundReceipt(refundReceipt: Json, cb: Callback): void;
  getRefundReceipt(id: string, cb: Callback): void;
  createPurchase(purchase: Json, cb: Callback): void;
  getPurchase(id: string, cb: Callback): void;
  updatePayment(payment: Json, cb: Callback): void;
}

type QuickBooksCtor = new (
  consumerKey: string,
  consumerSecret: string,
  token: string,
  tokenSecret: boolean,
  realmId: string,
  useSandbox: boolean,
  debug: boolean,
  minorversion: number,
  oauthversion: string,
  refreshToken?: string,
) => QuickBooksInstance;

const QuickBooks = createRequire(import.meta.url)('node-quickbooks') as QuickBooksCtor;

export interface SdkResult<T> {
  body: T;
  status: number;
  headers: unknown;
}

/** The SDK's failure: what it passed to the callback, plus the HTTP response when there was one. */
export class QboSdkError extends Error {
  override name = 'QboSdkError';
  constructor(
    readonly detail: unknown,
    readonly status: number,
    readonly headers: unknown,
    readonly body: unknown,
  ) {
    super('QuickBooks call failed');
  }
}

export type QboMethod =
  | 'changeDataCapture'
  | 'findCustomers'
  | 'findInvoices'
  | 'findPayments'
  | 'findCreditMemos'
  | 'findAccounts'
  | 'getCompanyInfo'
  | 'getPreferences'
  | 'getInvoice'
  | 'updateInvoice'
  // Write-backs (integrations/quickbooks/writes.ts). void/delete answer the raw `{Entity, time}` body.
  | 'getPayment'
  | 'getCreditMemo'
  | 'createInvoice'
  | 'createPayment'
  | 'createCreditMemo'
  | 'voidInvoice'
  | 'deletePayment'
  | 'deleteCreditMemo'
  | 'createRefundReceipt'
  | 'getRefundReceipt'
  | 'createPurchase'
  | 'getPurchase'
  | 'updatePayment';

export class QboSdk {
  private readonly qbo: QuickBooksInstance;

  /** The client id and secret are OAuth 1 leftovers the SDK still asks for; bearer tokens ignore them. */
  constructor(params: { apiBaseUrl: string; clientId?: string; clientSecret?: string; accessToken: string; realmId: string }) {
    this.qbo = new QuickBooks(params.clientId ?? 'arcus', params.clientSecret ?? 'arcus', params.accessToken, false, params.realmId, false, false, QBO_MINOR_VERSION, '2.0');
    this.qbo.endpoint = `${params.apiBaseUrl.replace(/\/+$/, '')}/`;
  }

  call<T = Json>(method: QboMethod, ...args: unknown[]): Promise<SdkResult<T>> {
    return new Promise((resolve, reject) => {
      const fn = this.qbo[method] as (...a: unknown[]) => void;
      fn.call(this.qbo, ...args, (err: unknown, body: unknown, res?: { status?: number; headers?: unknown }) => {
        // The query helpers pass (err, err) and no response; an axios error carries its own.
        const axiosRes = (err as { response?: { status?: number; headers?: unknown; data?: unknown } } | null)?.response;
        const status = res?.status ?? axiosRes?.status ?? 0;
        const headers = res?.headers ?? axiosRes?.headers ?? {};
        if (err) {
          reject(new QboSdkError(err, status, headers, axiosRes?.data ?? body));
          return;
        }
        resolve({ body: body as T, status: status || 200, headers });
      });
    });
  }
}
