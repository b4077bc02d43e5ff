/** My work's share of the waiting replies: the person's assigned customers, and the unassigned ones for those who take them. */
import { describe, expect, it } from 'vitest';
import { repliesForPerson } from '../../server/replies/conversation';

const reply = (organisationId: string, contactExternalId: string | null) => ({ organisationId, contactExternalId });

describe('repliesForPerson', () => {
  const replies = [reply('o1', 'c1'), reply('o1', 'c2'), reply('o2', 'c1'), reply('o2', null)];
  const assignees = new Map([
    ['o1|c1', 'cal'],
    ['o1|c2', 'dana'],
  ]);

  it('a collector sees the replies of the customers assigned to them, and nothing unassigned', () => {
    expect(repliesForPerson(replies, assignees, { userId: 'cal', takesUnassigned: false })).toEqual([reply('o1', 'c1')]);
  });

  it('a manager also sees replies nobody is assigned to (including a sender not matched to a customer)', () => {
    expect(repliesForPerson(replies, assignees, { userId: 'mia', takesUnassigned: true })).toEqual([reply('o2', 'c1'), reply('o2', null)]);
  });

  it("another person's customer never shows, even to a manager", () => {
    expect(repliesForPerson(replies, assignees, { userId: 'mia', takesUnassigned: true })).not.toContainEqual(reply('o1', 'c2'));
  });
});
