/**
 * The customer's language (issue #20, decision 041): what its reminders and pay page are written
 * in. Neither ledger records one, so it is set here (staff who chase; others see it), shown by
 * the language's own name; "As the organisation" follows the organisation's default.
 */
import { Group, Select, Text } from '@mantine/core';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../../../../kernel/locale';
import { api } from '../../api';
import { useSession } from '../../session';
import { useCustomer, useReminderMutation } from '../reminders/api';

const ORGANISATION = 'organisation';

/** Who holds the `collect` permission (server/auth/permissions.ts) may change it. */
const COLLECTORS: ReadonlySet<string> = new Set(['admin', 'manager', 'collector']);

export function CustomerLanguage({ organisationId, contactExternalId }: { organisationId: string; contactExternalId: string }) {
  const canEdit = COLLECTORS.has(useSession().data?.user?.role ?? '');
  const customer = useCustomer(organisationId, contactExternalId);
  const save = useReminderMutation((language: string | null) => api(`/reminders/customers/${organisationId}/${encodeURIComponent(contactExternalId)}`, { method: 'PUT', body: { language } }));
  const c = customer.data;
  if (!c) return null;
  const data = [{ value: ORGANISATION, label: `As the organisation (${LANGUAGE_NAMES[c.language.organisation]})` }, ...LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))];
  return (
    <Group gap="xs" wrap="nowrap" data-testid="customer-language">
      <Text fz="sm" c="dimmed">
        Reminders and pay page in
      </Text>
      {canEdit ? (
        <Select
          aria-label="Language for reminders and the pay page"
          size="xs"
          w={230}
          allowDeselect={false}
          data={data}
          value={c.settings.language ?? ORGANISATION}
          onChange={(v) => save.mutate(v && isLanguage(v) ? v : null)}
          disabled={save.isPending}
          error={save.error ? save.error.message : undefined}
          comboboxProps={{ withinPortal: true }}
        />
      ) : (
        <Text fz="sm" fw={600}>
          {LANGUAGE_NAMES[c.language.effective]}
        </Text>
      )}
    </Group>
  );
}
