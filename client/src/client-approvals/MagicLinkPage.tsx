/**
 * /magic/<token>: the page a sign-in link email opens. It uses the link (once) and opens the app
 * as the member; a used or expired link says so and points back to the sign-in page.
 */
import { Alert, Anchor, Center, Loader, Paper, Stack, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useLocation } from 'wouter';
import { api, setCsrfToken } from '../api';
import { useRefreshSession, useSession } from '../session';

export function MagicLinkPage({ token }: { token: string }) {
  const session = useSession();
  const refresh = useRefreshSession();
  const [, navigate] = useLocation();
  const use = useMutation({
    mutationFn: () => api<{ csrfToken: string }>(`/auth/sign-in-link/${encodeURIComponent(token)}`, { method: 'POST' }),
    onSuccess: async (r) => {
      setCsrfToken(r.csrfToken);
      await refresh();
      navigate('/', { replace: true });
    },
  });
  const ready = !session.isPending;
  const { mutate, isIdle } = use;
  useEffect(() => {
    if (ready && isIdle) mutate();
  }, [ready, isIdle, mutate]);
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" radius="md" w={420} maw="100%">
        <Stack>
          <Title order={2}>Signing you in</Title>
          {use.error ? (
            <>
              <Alert color="red">{use.error.message}</Alert>
              <Anchor href="/">Go to the sign-in page</Anchor>
            </>
          ) : (
            <Center>
              <Loader aria-label="Signing in" />
            </Center>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
