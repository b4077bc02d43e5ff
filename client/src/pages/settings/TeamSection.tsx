/**
 * Settings › Team: the firm's members with their role in words, pending invitations, and — for
 * those the server allows (the session's permissions, from server/auth/permissions.ts) — the
 * invite form, role changes and removal. Roles are shown by name, never by their key.
 */
import { Alert, Badge, Button, Group, Modal, MultiSelect, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, fieldErrors, formError } from '../../api';
import { useSession } from '../../session';
import { notify, notifyError } from '../../writebacks/notify';
import { AssignmentPanel } from '../my-work/AssignmentPanel';

type RoleKey = 'admin' | 'manager' | 'collector' | 'viewer' | 'client_contact';

const ROLE_OPTIONS: { value: RoleKey; label: string; description: string }[] = [
  { value: 'admin', label: 'Administrator', description: 'Everything, including settings, approvals and the team.' },
  { value: 'manager', label: 'Manager', description: 'Chases like a collector and invites collectors and viewers.' },
  { value: 'collector', label: 'Collector', description: 'Chases customers: notes, calls, promises, pay links, reminders.' },
  { value: 'viewer', label: 'Viewer', description: 'Sees everything, changes nothing.' },
  { value: 'client_contact', label: 'Client contact', description: 'Someone at your client: sees only their own organisations, read-only.' },
];

interface Member {
  userId: string;
  name: string;
  email: string;
  role: RoleKey;
  roleName: string;
  organisations: { id: string; name: string }[];
  lastSignInAt: string | null;
  you: boolean;
}

interface Invitation {
  id: string;
  email: string;
  role: RoleKey;
  roleName: string;
  invitedBy: string | null;
  expired: boolean;
  expiresOn: string;
}

function useOrganisations() {
  return useQuery({ queryKey: ['organisations'], queryFn: () => api<{ organisations: { id: string; name: string }[] }>('/organisations') });
}

function OrganisationPicker({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string }) {
  const orgs = useOrganisations();
  return (
    <MultiSelect
      label="Organisations they may see"
      placeholder="Choose organisations"
      data={(orgs.data?.organisations ?? []).map((o) => ({ value: o.id, label: o.name }))}
      value={value}
      onChange={onChange}
      error={error}
      searchable
    />
  );
}

function InviteForm({ roles }: { roles: RoleKey[] }) {
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<RoleKey>(roles.includes('collector') ? 'collector' : roles[0]!);
  const [orgIds, setOrgIds] = useState<string[]>([]);
  const invite = useMutation({
    mutationFn: () => api('/team/invitations', { method: 'POST', body: { email, role, organisationIds: role === 'client_contact' ? orgIds : [] } }),
    onSuccess: () => {
      notify({ title: 'Invitation sent', message: `${email} will receive a link to join, valid for 7 days.` });
      setEmail('');
      setOrgIds([]);
      void qc.invalidateQueries({ queryKey: ['team'] });
    },
  });
  const errors = fieldErrors(invite.error);
  const general = formError(invite.error, ['email', 'role', 'organisationIds']);
  return (
    <Paper withBorder p="md" radius="md">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          invite.mutate();
        }}
      >
        <Stack gap="sm">
          <Title order={4}>Invite someone</Title>
          {general && <Alert color="red">{general}</Alert>}
          <Group align="flex-start" grow>
            <TextInput label="Email address" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors['email']} required />
            <Select
              label="Role"
              data={ROLE_OPTIONS.filter((o) => roles.includes(o.value)).map((o) => ({ value: o.value, label: o.label }))}
              value={role}
              onChange={(v) => v && setRole(v as RoleKey)}
              error={errors['role']}
              allowDeselect={false}
            />
          </Group>
          <Text size="sm" c="dimmed">
            {ROLE_OPTIONS.find((o) => o.value === role)?.description}
          </Text>
          {role === 'client_contact' && <OrganisationPicker value={orgIds} onChange={setOrgIds} error={errors['organisationIds']} />}
          <Group>
            <Button type="submit" loading={invite.isPending}>
              Send invitation
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function ChangeRole({ member, onClose }: { member: Member; onClose: () => void }) {
  const qc = useQueryClient();
  const [role, setRole] = useState<RoleKey>(member.role);
  const [orgIds, setOrgIds] = useState<string[]>(member.organisations.map((o) => o.id));
  const save = useMutation({
    mutationFn: () => api(`/team/members/${member.userId}`, { method: 'PATCH', body: { role, organisationIds: role === 'client_contact' ? orgIds : [] } }),
    onSuccess: () => {
      notify({ title: 'Role changed', message: `${member.name} is now ${ROLE_OPTIONS.find((o) => o.value === role)?.label.toLowerCase()}.` });
      void qc.invalidateQueries({ queryKey: ['team'] });
      onClose();
    },
  });
  const errors = fieldErrors(save.error);
  const general = formError(save.error, ['role', 'organisationIds']);
  return (
    <Modal opened onClose={onClose} title={`Change ${member.name}’s role`}>
      <Stack gap="sm">
        {general && <Alert color="red">{general}</Alert>}
        <Select label="Role" data={ROLE_OPTIONS.map((o) => ({ value: o.value, label: o.label }))} value={role} onChange={(v) => v && setRole(v as RoleKey)} allowDeselect={false} error={errors['role']} />
        <Text size="sm" c="dimmed">
          {ROLE_OPTIONS.find((o) => o.value === role)?.description} The change applies from their next click.
        </Text>
        {role === 'client_contact' && <OrganisationPicker value={orgIds} onChange={setOrgIds} error={errors['organisationIds']} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function TeamSection() {
  const session = useSession();
  const can = session.data?.user?.permissions ?? [];
  const qc = useQueryClient();
  const team = useQuery({ queryKey: ['team'], queryFn: () => api<{ members: Member[]; invitations: Invitation[] }>('/team'), enabled: can.includes('team.read') });
  const [changing, setChanging] = useState<Member | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/team/invitations/${id}`, { method: 'DELETE' }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['team'] }),
    onError: (e) => notifyError(e),
  });
  const remove = useMutation({
    mutationFn: (m: Member) => api(`/team/members/${m.userId}`, { method: 'DELETE' }),
    onSuccess: (_d, m) => {
      notify({ title: 'Member removed', message: `${m.name} no longer has access, and was signed out.` });
      setRemoving(null);
      void qc.invalidateQueries({ queryKey: ['team'] });
    },
    onError: (e) => notifyError(e),
  });
  if (!can.includes('team.read')) return <Alert color="gray">Only a manager or an administrator can see the team. Ask one of them to invite people or change roles.</Alert>;
  const manage = can.includes('team.manage');
  const inviteRoles: RoleKey[] = can.includes('team.manage') ? ROLE_OPTIONS.map((o) => o.value) : can.includes('team.invite') ? ['collector', 'viewer'] : [];
  return (
    <Stack gap="lg">
      {inviteRoles.length > 0 && <InviteForm roles={inviteRoles} />}
      <Paper withBorder p="md" radius="md">
        <Title order={4} mb="sm">
          Members
        </Title>
        {team.error && <Alert color="red">{team.error.message}</Alert>}
        <Table.ScrollContainer minWidth={560}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Email</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Last signed in</Table.Th>
              {manage && <Table.Th />}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(team.data?.members ?? []).map((m) => (
              <Table.Tr key={m.userId}>
                <Table.Td>
                  {m.name} {m.you && <Badge variant="light">You</Badge>}
                </Table.Td>
                <Table.Td>{m.email}</Table.Td>
                <Table.Td>
                  {m.roleName}
                  {m.organisations.length > 0 && (
                    <Text size="xs" c="dimmed">
                      {m.organisations.map((o) => o.name).join(', ')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{m.lastSignInAt ? new Date(m.lastSignInAt).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' }) : 'Not yet'}</Table.Td>
                {manage && (
                  <Table.Td>
                    {!m.you && (
                      <Group gap="xs" justify="flex-end">
                        <Button size="xs" variant="default" onClick={() => setChanging(m)}>
                          Change role
                        </Button>
                        <Button size="xs" variant="subtle" color="red" onClick={() => setRemoving(m)}>
                          Remove
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        </Table.ScrollContainer>
      </Paper>
      <Paper withBorder p="md" radius="md">
        <Title order={4} mb="sm">
          Pending invitations
        </Title>
        {(team.data?.invitations ?? []).length === 0 ? (
          <Text c="dimmed">No invitations are waiting to be accepted.</Text>
        ) : (
          <Table.ScrollContainer minWidth={560}>
          <Table>
            <Table.Tbody>
              {team.data!.invitations.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>{i.email}</Table.Td>
                  <Table.Td>{i.roleName}</Table.Td>
                  <Table.Td>{i.expired ? <Badge color="gray">Expired on {i.expiresOn}</Badge> : `Valid until ${i.expiresOn}`}</Table.Td>
                  <Table.Td>{i.invitedBy ? `Invited by ${i.invitedBy}` : ''}</Table.Td>
                  <Table.Td>
                    {inviteRoles.includes(i.role) && (
                      <Button size="xs" variant="subtle" color="red" onClick={() => revoke.mutate(i.id)}>
                        Withdraw
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
      <AssignmentPanel />
      {changing && <ChangeRole member={changing} onClose={() => setChanging(null)} />}
      {removing && (
        <Modal opened onClose={() => setRemoving(null)} title={`Remove ${removing.name}?`}>
          <Stack gap="sm">
            <Text>They lose access to the firm at once and are signed out. You can invite them again later.</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRemoving(null)}>
                Cancel
              </Button>
              <Button color="red" loading={remove.isPending} onClick={() => remove.mutate(removing)}>
                Remove
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}
