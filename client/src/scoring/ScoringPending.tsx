/** Says in words which organisations' risk is still being calculated (never scored, too big to score in the request). */
import { Alert } from '@mantine/core';

export function ScoringPending({ items, what }: { items: readonly { organisationName: string }[] | undefined; what: string }) {
  if (!items || items.length === 0) return null;
  const names = items.map((o) => o.organisationName).join(', ');
  return (
    <Alert color="blue" variant="light" data-testid="scoring-pending">
      Risk for {names} is still being calculated, so {what} do not include {items.length === 1 ? 'its' : 'their'} invoices yet. Reload in a few minutes.
    </Alert>
  );
}
