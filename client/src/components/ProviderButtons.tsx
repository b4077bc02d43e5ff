/**
 * The providers' own buttons: "Connect to Xero" in Xero blue (#13B5EA), "Connect to
 * QuickBooks" in Intuit green (#2CA01C), "Sign in with Xero", "Sign up with Xero" and "Sign in
 * with Intuit" — the providers' own wording — each
 * with the provider's mark on the left and white text, as their button guidelines ask. They
 * are links: the OAuth flow is a sequence of browser redirects. They are styled buttons with
 * drawn marks, not the providers' image files (no licence to ship those is in this repository).
 */
import { Badge, Button } from '@mantine/core';
import type { Provider } from '../organisations';

export const BRAND = { xero: '#13B5EA', quickbooks: '#2CA01C', intuit: '#0077C5' } as const;

export function XeroMark({ size = 20, color = BRAND.xero, background = '#fff' }: { size?: number; color?: string; background?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="12" cy="12" r="12" fill={background} />
      <path d="M7.6 7.6 16.4 16.4M16.4 7.6 7.6 16.4" stroke={color} strokeWidth="2.6" strokeLinecap="round" />
    </svg>
  );
}

export function QuickBooksMark({ size = 20, color = BRAND.quickbooks, background = '#fff' }: { size?: number; color?: string; background?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="12" cy="12" r="12" fill={background} />
      {/* the "qb" mark: a q and a mirrored b around the centre */}
      <path d="M10.6 7.2H9a3.6 3.6 0 0 0 0 7.2h1v-1.9H9a1.7 1.7 0 0 1 0-3.4h.7v8.6h1.9z" fill={color} />
      <path d="M13.4 16.8H15a3.6 3.6 0 0 0 0-7.2h-1v1.9h1a1.7 1.7 0 0 1 0 3.4h-.7V6.3h-1.9z" fill={color} />
    </svg>
  );
}

export function IntuitMark({ size = 20 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="12" cy="12" r="12" fill="#fff" />
      <path d="M9 7h6v2h-2v6h2v2H9v-2h2V9H9z" fill={BRAND.intuit} />
    </svg>
  );
}

const buttonStyles = { root: { fontWeight: 600, paddingInline: 14 }, section: { marginInlineEnd: 10 } };

export function ConnectToXeroButton({ href, label = 'Connect to Xero' }: { href: string; label?: string }) {
  return (
    <Button component="a" href={href} color={BRAND.xero} size="md" radius="sm" leftSection={<XeroMark />} styles={buttonStyles}>
      {label}
    </Button>
  );
}

export function ConnectToQuickBooksButton({ href, label = 'Connect to QuickBooks' }: { href: string; label?: string }) {
  return (
    <Button component="a" href={href} color={BRAND.quickbooks} size="md" radius="sm" leftSection={<QuickBooksMark />} styles={buttonStyles}>
      {label}
    </Button>
  );
}

export function SignInWithXeroButton({ href }: { href: string }) {
  return (
    <Button component="a" href={href} color={BRAND.xero} size="md" radius="sm" fullWidth leftSection={<XeroMark />} styles={buttonStyles}>
      Sign in with Xero
    </Button>
  );
}

/** Xero's "Sign up with Xero": a new firm signs in and connects its organisations from one consent. */
export function SignUpWithXeroButton({ href }: { href: string }) {
  return (
    <Button component="a" href={href} color={BRAND.xero} variant="outline" size="md" radius="sm" fullWidth leftSection={<XeroMark color="#fff" background={BRAND.xero} />} styles={buttonStyles}>
      Sign up with Xero
    </Button>
  );
}

export function SignInWithIntuitButton({ href }: { href: string }) {
  return (
    <Button component="a" href={href} color={BRAND.intuit} size="md" radius="sm" fullWidth leftSection={<IntuitMark />} styles={buttonStyles}>
      Sign in with Intuit
    </Button>
  );
}

export function ProviderBadge({ provider }: { provider: Provider }) {
  const xero = provider === 'xero';
  return (
    <Badge
      variant="light"
      color={xero ? BRAND.xero : BRAND.quickbooks}
      leftSection={xero ? <XeroMark size={14} color="#fff" background={BRAND.xero} /> : <QuickBooksMark size={14} color="#fff" background={BRAND.quickbooks} />}
      styles={{ root: { textTransform: 'none' } }}
    >
      {xero ? 'Xero' : 'QuickBooks'}
    </Badge>
  );
}
