/**
 * The sandbox ledger inside Arcus (LEDGER_SANDBOX, on by default in embedded mode): created
 * in-process and mounted at /sandbox, so the ledger endpoints are `${appUrl}/sandbox/...` and
 * its webhooks go to Arcus's own receivers. With PORT=0 the URL is known only after listening:
 * `setPublicUrl` then fixes the sandbox's issuer / resource URLs and webhook targets.
 */
import type { Provider } from '../../integrations/ledger/types';
import { createSandbox, type Sandbox } from '../../integrations/sandbox/server';
import type { Logger } from '../logger';

export const SANDBOX_MOUNT = '/sandbox';

/** The sandbox's default webhook keys (integrations/sandbox/context.ts), for a sandbox running elsewhere. */
export const SANDBOX_WEBHOOK_KEYS: Record<Provider, string> = { xero: 'sandbox-xero-webhook-key', quickbooks: 'sandbox-intuit-verifier-token' };

export interface EmbeddedSandbox {
  sandbox: Sandbox;
  baseUrl(): string;
  setPublicUrl(appUrl: string): void;
  webhookKeys(): Record<Provider, string>;
  close(): void;
}

function targets(appUrl: string) {
  const base = appUrl.replace(/\/+$/, '');
  return { baseUrl: `${base}${SANDBOX_MOUNT}`, webhookUrls: { xero: `${base}/webhooks/xero`, quickbooks: `${base}/webhooks/quickbooks` } };
}

export function createEmbeddedSandbox(params: { appUrl: string; seed: number; log: Logger; now?: () => number }): EmbeddedSandbox {
  const t = targets(params.appUrl);
  const sandbox = createSandbox({
    baseUrl: t.baseUrl,
    seed: params.seed,
    // The consent page is shown, as Xero and Intuit show theirs; the demo connector answers it server-side.
    autoConsent: false,
    webhookUrls: t.webhookUrls,
    log: (m) => params.log.error(m),
    now: params.now,
  });
  return {
    sandbox,
    baseUrl: () => sandbox.ctx.options.baseUrl,
    setPublicUrl(appUrl) {
      const next = targets(appUrl);
      sandbox.ctx.options.baseUrl = next.baseUrl;
      sandbox.ctx.options.webhookUrls = { ...sandbox.ctx.options.webhookUrls, ...next.webhookUrls };
    },
    webhookKeys: () => ({ ...sandbox.ctx.options.webhookKeys }),
    close: () => sandbox.close(),
  };
}
