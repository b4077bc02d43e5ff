import { Alert, Anchor, Button, Center, Divider, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api, fieldErrors, setCsrfToken } from '../api';
import { SignInWithIntuitButton, SignInWithXeroButton, SignUpWithXeroButton } from '../components/ProviderButtons';
import { signInUrl } from '../organisations';
import { useRefreshSession } from '../session';
import { errorInWords } from './settings/feedback';

/** ?signin_error=code from a failed "Sign in with …" round trip, read once. */
function redirectError(): string | null {
  const q = new URLSearchParams(window.location.search);
  const code = q.get('signin_error');
  if (!code) return null;
  window.history.replaceState(null, '', window.location.pathname);
  return errorInWords(code, q.get('provider'));
}

export function SignInPage({ demo, signIn, error }: { demo: boolean; signIn?: { xero: boolean; quickbooks: boolean }; error?: string }) {
  const refresh = useRefreshSession();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(() => error ?? redirectError());
  const signInDemo = async (as: 'admin' | 'collector' | 'client_contact' = 'admin') => {
    setBusy(true);
    setFailure(null);
    try {
      const res = await api<{ csrfToken: string }>('/auth/demo', { method: 'POST', body: { as } });
      setCsrfToken(res.csrfToken);
      await refresh();
    } catch (err) {
      setFailure(err instanceof Error ? err.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  };
  const providers = signIn?.xero || signIn?.quickbooks;
  return (
    <Center mih="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={420}>
        <Stack>
          <Title order={2}>Sign in to Arcus</Title>
          <Text c="dimmed" size="sm">
            Collections for accounting firms, working inside your clients’ Xero and QuickBooks ledgers.
          </Text>
          {failure && (
            <Alert color="red" title="Could not sign in">
              {failure}
            </Alert>
          )}
          {signIn?.xero && <SignInWithXeroButton href={signInUrl('xero')} />}
          {signIn?.quickbooks && <SignInWithIntuitButton href={signInUrl('quickbooks')} />}
          {providers && (
            <Text size="xs" c="dimmed">
              New to Arcus? Signing in creates your firm{signIn?.xero ? '; signing up with Xero also connects your clients’ organisations in the same step.' : '.'}
            </Text>
          )}
          {signIn?.xero && <SignUpWithXeroButton href="/oauth/xero/sign-up" />}
          {demo && providers && <Divider label="or" labelPosition="center" />}
          {demo && (
            <>
              <Button size="md" variant={providers ? 'default' : 'filled'} onClick={() => signInDemo()} loading={busy}>
                Sign in to the demo
              </Button>
              <Text size="xs" c="dimmed" ta="center">
                as the firm’s administrator, or as{' '}
                <Anchor component="button" type="button" size="xs" onClick={() => signInDemo('collector')} disabled={busy}>
                  a collector
                </Anchor>{' '}
                or{' '}
                <Anchor component="button" type="button" size="xs" onClick={() => signInDemo('client_contact')} disabled={busy}>
                  someone at a client
                </Anchor>
              </Text>
            </>
          )}
          {!demo && !providers && <Text size="sm">Sign in with Xero or Intuit is set up by your firm’s administrator.</Text>}
          <Divider label="or by email" labelPosition="center" />
          <EmailLinkForm />
        </Stack>
      </Paper>
    </Center>
  );
}

/** A sign-in link by email (client contacts, and anyone with no Xero or Intuit sign-in): the same answer whoever asks. */
function EmailLinkForm() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ message: string }>('/auth/sign-in-link', { method: 'POST', body: { email } });
      setAnswer(r.message);
    } catch (err) {
      setError(fieldErrors(err)['email'] ?? (err instanceof Error ? err.message : 'Something went wrong. Try again.'));
    } finally {
      setBusy(false);
    }
  };
  if (answer) return <Alert color="teal">{answer}</Alert>;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <Stack gap="xs">
        <TextInput label="Your email address" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={error} autoComplete="email" />
        <Button type="submit" variant="default" loading={busy}>
          Email me a sign-in link
        </Button>
      </Stack>
    </form>
  );
}
