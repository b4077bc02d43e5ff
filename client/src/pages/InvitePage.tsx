/**
 * /invite/<token>: the page an invitation email links to. Shows the firm and the role in words,
 * asks for the person's name (unless the address already has an Arcus user) and accepts, which
 * signs them in; then the app opens as them.
 */
import { Alert, Button, Center, Loader, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation } from 'wouter';
import { api, fieldErrors, formError, setCsrfToken } from '../api';
import { useRefreshSession, useSession } from '../session';

interface InvitationView {
  firmName: string;
  email: string;
  roleName: string;
  organisations: string[];
  expiresOn: string;
  needsName: boolean;
}

export function InvitePage({ token }: { token: string }) {
  const session = useSession();
  const refresh = useRefreshSession();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const view = useQuery({ queryKey: ['invitation', token], queryFn: () => api<{ invitation: InvitationView }>(`/invitations/${encodeURIComponent(token)}`), retry: false, enabled: !session.isPending });
  const accept = useMutation({
    mutationFn: () => api<{ csrfToken: string }>(`/invitations/${encodeURIComponent(token)}/accept`, { method: 'POST', body: { name: view.data?.invitation.needsName ? name : name || 'Member' } }),
    onSuccess: async (r) => {
      setCsrfToken(r.csrfToken);
      await refresh();
      navigate('/', { replace: true });
    },
  });
  if (session.isPending || view.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  const inv = view.data?.invitation;
  const errors = fieldErrors(accept.error);
  const general = formError(accept.error, ['name']);
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder p="xl" radius="md" w={460}>
        <Stack gap="md">
          <Title order={2}>Join {inv ? inv.firmName : 'a firm'} in Arcus</Title>
          {view.error && <Alert color="red">{view.error.message}</Alert>}
          {inv && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                accept.mutate();
              }}
            >
              <Stack gap="sm">
                <Text>
                  You were invited with the address {inv.email}
                  {inv.organisations.length > 0 ? `, to see ${inv.organisations.join(', ')}` : ''}. Your role: <b>{inv.roleName}</b>. The invitation is valid until {inv.expiresOn}.
                </Text>
                {general && <Alert color="red">{general}</Alert>}
                {inv.needsName && <TextInput label="Your name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors['name']} required autoFocus />}
                <Button type="submit" loading={accept.isPending}>
                  Accept and sign in
                </Button>
              </Stack>
            </form>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
