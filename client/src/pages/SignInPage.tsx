import { Alert, Button, Center, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api, setCsrfToken } from '../api';
import { useRefreshSession } from '../session';

export function SignInPage({ demo, error }: { demo: boolean; error?: string }) {
  const refresh = useRefreshSession();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(error ?? null);
  const signInDemo = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const res = await api<{ csrfToken: string }>('/auth/demo', { method: 'POST' });
      setCsrfToken(res.csrfToken);
      await refresh();
    } catch (err) {
      setFailure(err instanceof Error ? err.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  };
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
          {demo ? (
            <Button size="md" onClick={signInDemo} loading={busy}>
              Sign in to the demo
            </Button>
          ) : (
            <Text size="sm">Sign in with Xero or Intuit is set up by your firm’s administrator.</Text>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
