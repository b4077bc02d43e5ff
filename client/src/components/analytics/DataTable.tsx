/** A sortable table: click a column header to sort by it, again to reverse. */
import { Table, Text, UnstyledButton } from '@mantine/core';
import { type ReactNode, useMemo, useState } from 'react';

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ReactNode;
  /** Sorts by this value; omit to make the column unsortable. Nulls sort last. */
  sort?: (row: T) => number | string | null;
  align?: 'left' | 'right' | 'center';
  /** Let long text wrap (cells do not wrap otherwise). */
  wrap?: boolean;
}

interface Props<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  initialSort?: { key: string; desc: boolean };
  onRowClick?: (row: T) => void;
  empty?: ReactNode;
  label: string;
  /** Below this width the table scrolls sideways. */
  minWidth?: number;
  /**
   * Sorted elsewhere (the server): the rows are shown in the order given, `sort` marks the sorted
   * column and a header click asks `onSortChange` for the new order.
   */
  sort?: { key: string; desc: boolean } | null;
  onSortChange?: (sort: { key: string; desc: boolean }) => void;
}

export function DataTable<T>({ columns, rows, rowKey, initialSort, onRowClick, empty, label, minWidth = 720, sort: sortedBy, onSortChange }: Props<T>) {
  const [ownSort, setOwnSort] = useState(initialSort ?? null);
  const external = onSortChange !== undefined;
  const sort = external ? (sortedBy ?? null) : ownSort;
  const setSort = (next: (s: { key: string; desc: boolean } | null) => { key: string; desc: boolean }) => (external ? onSortChange(next(sort)) : setOwnSort(next));
  const sorted = useMemo(() => {
    const col = sort && columns.find((c) => c.key === sort.key);
    if (external || !sort || !col?.sort) return rows;
    const get = col.sort;
    const desc = sort.desc;
    return [...rows].sort((a, b) => {
      const x = get(a);
      const y = get(b);
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return desc ? -c : c;
    });
  }, [rows, columns, sort, external]);
  if (rows.length === 0 && empty) return <>{empty}</>;
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped highlightOnHover={Boolean(onRowClick)} verticalSpacing="xs" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c) => (
              <Table.Th key={c.key} style={{ textAlign: c.align ?? 'left', whiteSpace: 'nowrap' }} aria-sort={sort?.key === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined}>
                {c.sort ? (
                  <UnstyledButton onClick={() => setSort((s) => ({ key: c.key, desc: s?.key === c.key ? !s.desc : true }))} fw={600} fz="sm">
                    {c.label}
                    {sort?.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                  </UnstyledButton>
                ) : (
                  <Text fw={600} fz="sm">
                    {c.label}
                  </Text>
                )}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.map((row) => (
            <Table.Tr key={rowKey(row)} onClick={onRowClick ? () => onRowClick(row) : undefined} style={onRowClick ? { cursor: 'pointer' } : undefined}>
              {columns.map((c) => (
                <Table.Td key={c.key} style={{ textAlign: c.align ?? 'left', whiteSpace: c.wrap ? undefined : 'nowrap' }}>
                  {c.render(row)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
