/** Confirmations for Disconnect and Delete synced data, and the time-zone picker. */
import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import { type Organisation, useDeleteData, useDisconnect, useSetTimezone } from '../../organisations';

interface Props {
  org: Organisation;
  opened: boolean;
  onClose: () => void;
}

export function DisconnectModal({ org, opened, onClose }: Props) {
  const disconnect = useDisconnect();
  return (
    <Modal opened={opened} onClose={onClose} title={`Disconnect ${org.name}?`} centered>
      <Stack>
        <Text size="sm">
          Arcus will revoke its access in {org.providerLabel}, stop syncing and stop nightly runs for this organisation. Invoices, payments and history already synced stay in Arcus; deleting them is a separate step.
        </Text>
        {disconnect.error && <Alert color="red">{disconnect.error.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={disconnect.isPending} onClick={() => disconnect.mutate({ id: org.id }, { onSuccess: onClose })}>
            Disconnect
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function DeleteDataModal({ org, opened, onClose }: Props) {
  const remove = useDeleteData();
  const [typed, setTyped] = useState('');
  return (
    <Modal opened={opened} onClose={onClose} title={`Delete ${org.name}’s synced data?`} centered>
      <Stack>
        <Text size="sm">
          This deletes the contacts, invoices, payments and credit notes Arcus synced from {org.providerLabel} for this organisation. The ledger itself is not touched. This cannot be undone.
        </Text>
        <TextInput label={`Type “${org.name}” to confirm`} value={typed} onChange={(e) => setTyped(e.currentTarget.value)} />
        {remove.error && <Alert color="red">{remove.error.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" disabled={typed.trim() !== org.name.trim()} loading={remove.isPending} onClick={() => remove.mutate({ id: org.id, confirm: typed }, { onSuccess: onClose })}>
            Delete synced data
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function allZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

export function TimezoneModal({ org, opened, onClose }: Props) {
  const save = useSetTimezone();
  const zones = useMemo(() => {
    const list = allZones();
    return list.includes(org.timezone) ? list : [org.timezone, ...list];
  }, [org.timezone]);
  const [zone, setZone] = useState<string | null>(org.timezone);
  return (
    <Modal opened={opened} onClose={onClose} title={`Time zone of ${org.name}`} centered>
      <Stack>
        <Text size="sm">The nightly sync runs between 01:00 and 07:00 in this zone, and “today”, due dates and quiet hours follow it.</Text>
        <Select label="Time zone" data={zones} value={zone} onChange={setZone} searchable nothingFoundMessage="No such time zone" comboboxProps={{ withinPortal: true }} />
        {save.error && <Alert color="red">{save.error.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={!zone || zone === org.timezone} loading={save.isPending} onClick={() => zone && save.mutate({ id: org.id, timezone: zone }, { onSuccess: onClose })}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
