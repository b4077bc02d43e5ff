/**
 * QuickBooks faults. Data errors use the `{"Fault":{"Error":[{Message, Detail, code,
 * element}], "type":"ValidationFault"}, "time"}` shape of the published examples
 * (specs/quickbooks/faults/); HTTP status 400 even for "Object Not Found", as QBO does.
 * Gateway errors (401 expired token, 403 wrong realm) use the lower-case Java-serialised
 * shape seen in public captures, with `time` in epoch ms. A 429 ThrottleExceeded comes as XML
 * (`<IntuitResponse><Fault type="SERVICE">…`) whatever format was asked for, as QBO answers it.
 */
import { SandboxError } from '../store';

export interface QboErrorItem {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export interface FaultTime {
  /** The response `time` string in the company's offset. */
  text: string;
  /** Sandbox epoch ms. */
  ms: number;
}

export class QboFault extends Error {
  override name = 'QboFault';
  constructor(
    readonly status: number,
    readonly type: string,
    readonly errors: QboErrorItem[],
    /** 'gateway' renders the lower-case `{fault:{error:[…]}}` shape; 'xml' an XML IntuitResponse. */
    readonly shape: 'fault' | 'gateway' | 'xml' = 'fault',
  ) {
    super(errors.map((e) => `${e.code} ${e.Message}: ${e.Detail}`).join('; '));
  }

  get code(): string {
    return this.errors[0]?.code ?? '';
  }

  body(time: FaultTime): unknown {
    if (this.shape === 'xml') {
      const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      const errors = this.errors.map((e) => `        <Error code="${esc(e.code)}">\n            <Message>${esc(e.Message)}</Message>\n            <Detail>${esc(e.Detail)}</Detail>\n        </Error>\n`).join('');
      return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<IntuitResponse time="${esc(time.text)}" xmlns="http://schema.intuit.com/finance/v3">\n    <Fault type="${esc(this.type)}">\n${errors}    </Fault>\n</IntuitResponse>`;
    }
    if (this.shape === 'gateway') {
      return {
        warnings: null,
        intuitObject: null,
        fault: {
          error: this.errors.map((e) => ({ message: e.Message, detail: e.Detail, code: e.code, element: e.element ?? null })),
          type: this.type,
        },
        report: null,
        queryResponse: null,
        batchItemResponse: [],
        attachableResponse: [],
        syncErrorResponse: null,
        requestId: null,
        time: time.ms,
        status: null,
        cdcresponse: [],
      };
    }
    return { Fault: { Error: this.errors, type: this.type }, time: time.text };
  }
}

const validation = (errors: QboErrorItem[]) => new QboFault(400, 'ValidationFault', errors);

export const faults = {
  staleObject: () =>
    validation([
      {
        Message: 'Stale Object Error',
        Detail:
          'Stale Object Error : You and Arcus Sandbox were working on this at the same time. Arcus Sandbox finished before you did, so your work was not saved.',
        code: '5010',
        element: '',
      },
    ]),
  objectNotFound: (what?: string) =>
    validation([
      {
        Message: 'Object Not Found',
        Detail: `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.${what ? ` (${what})` : ''}`,
        code: '610',
        element: '',
      },
    ]),
  requiredParam: (element: string) =>
    validation([
      {
        Message: 'Required param missing, need to supply the required value for the API',
        Detail: `Required parameter ${element} is missing in the request`,
        code: '2020',
        element,
      },
    ]),
  invalidProperty: (element: string, why: string) =>
    validation([
      {
        Message: 'Request has invalid or unsupported property',
        Detail: `Property Name:${element} specified is unsupported or invalid: ${why}`,
        code: '2010',
        element,
      },
    ]),
  invalidReference: (element: string, why: string) =>
    validation([{ Message: 'Invalid Reference Id', Detail: `Invalid Reference Id : ${why}`, code: '2500', element }]),
  queryParse: (detail: string) => validation([{ Message: 'Error parsing query', Detail: `QueryParserError: ${detail}`, code: '4000' }]),
  queryValidation: (detail: string) => validation([{ Message: 'Invalid query', Detail: `QueryValidationError: ${detail}`, code: '4001' }]),
  business: (detail: string, code = '6000', message = 'A business validation error has occurred while processing your request') =>
    validation([{ Message: message, Detail: `Business Validation Error: ${detail}`, code, element: '' }]),
  duplicateName: (name: string) =>
    validation([
      {
        Message: 'Duplicate Name Exists Error',
        Detail: `The name supplied already exists. : Another customer, vendor or employee is already using this name (${name}). Please use a different name.`,
        code: '6240',
        element: '',
      },
    ]),
  duplicateDocNumber: (docNumber: string, txnType: string, txnId: string) =>
    validation([
      {
        Message: 'Duplicate Document Number Error',
        Detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${txnId}`,
        code: '6140',
        element: '',
      },
    ]),
  amountMismatch: (supplied: string, expected: string) =>
    validation([
      {
        Message: 'Amount is not equal to UnitPrice * Qty',
        Detail: `Amount is not equal to UnitPrice * Qty. Supplied value:${supplied}; UnitPrice * Qty:${expected}`,
        code: '6070',
        element: '',
      },
    ]),
  unsupported: (detail: string) => validation([{ Message: 'Unsupported Operation', Detail: `Operation ${detail} is not supported.`, code: '500', element: '' }]),
  badRequest: (detail: string) => validation([{ Message: 'Invalid Request', Detail: detail, code: '2030', element: '' }]),
  authentication: (detail: string) =>
    new QboFault(401, 'AUTHENTICATION', [{ Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', Detail: detail, code: '3200' }], 'gateway'),
  authorization: (detail: string) =>
    new QboFault(403, 'AUTHORIZATION', [{ Message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403', Detail: detail, code: '3100' }], 'gateway'),
  throttled: () =>
    new QboFault(429, 'SERVICE', [{ Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429', Detail: 'The request limit was reached.  Try again later', code: '3001' }], 'xml'),
  system: (status: number) =>
    new QboFault(status, 'SystemFault', [
      { Message: 'An application error has occurred while processing your request', Detail: `System Failure Error: the sandbox injected a ${status} for this request`, code: '10000' },
    ]),
};

/** Ledger-rule errors from the store, in QBO terms. */
export function fromSandboxError(e: SandboxError): QboFault {
  switch (e.code) {
    case 'not_found':
      return faults.objectNotFound(e.message);
    case 'stale':
      return faults.staleObject();
    case 'validation':
    case 'conflict':
      return faults.business(e.message);
    default: {
      const never: never = e.code;
      return faults.business(String(never));
    }
  }
}

/** Any thrown value as a QboFault, or null for programming errors (which stay 500s). */
export function asQboFault(e: unknown): QboFault | null {
  if (e instanceof QboFault) return e;
  if (e instanceof SandboxError) return fromSandboxError(e);
  if (e instanceof Error && (e.name === 'MoneyError' || e.name === 'DateError')) return faults.business(e.message);
  return null;
}
