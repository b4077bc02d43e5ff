/** The navigation's count of write-backs awaiting approval (nothing when none wait). */
import { Badge } from '@mantine/core';
import { useWritebackCounts } from './api';

export function ApprovalsBadge() {
  const counts = useWritebackCounts();
  const n = counts.data?.awaiting_approval ?? 0;
  if (!n) return null;
  return (
    <Badge size="sm" color="yellow" variant="filled" aria-label={`${n} awaiting approval`} data-testid="approvals-count">
      {n}
    </Badge>
  );
}
