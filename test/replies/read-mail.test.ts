/** Reading an inbound message (pure): tokens, thread, RFC 3834 auto-replies, attachments size-limited and type-checked. */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES, readMail } from '../../server/replies/read-mail';

function mime(headers: string[], parts: { type: string; name: string; body: Buffer }[] = []): string {
  const head = ['From: Sam <sam@bayside.example>', 'To: reply+0123456789abcdef0123456789abcdef@replies.arcus.test', 'Subject: Re: reminder', 'Message-ID: <m1@bayside.example>', 'In-Reply-To: <reminder.11111111-1111-1111-1111-111111111111@arcus.test>', ...headers, 'MIME-Version: 1.0'];
  if (!parts.length) return [...head, 'Content-Type: text/plain', '', 'Paid yesterday.', ''].join('\r\n');
  const lines = [...head, 'Content-Type: multipart/mixed; boundary="x"', '', '--x', 'Content-Type: text/plain', '', 'Remittance attached.'];
  for (const p of parts) lines.push('--x', `Content-Type: ${p.type}; name="${p.name}"`, `Content-Disposition: attachment; filename="${p.name}"`, 'Content-Transfer-Encoding: base64', '', p.body.toString('base64'));
  lines.push('--x--', '');
  return lines.join('\r\n');
}

describe('readMail', () => {
  it('reads the token and the thread', async () => {
    const f = readMail(await simpleParser(mime([])));
    expect(f.replyTokens).toEqual(['0123456789abcdef0123456789abcdef']);
    expect(f.thread).toEqual(['reminder.11111111-1111-1111-1111-111111111111@arcus.test']);
    expect(f).toMatchObject({ autoReply: null, bounce: null, fromAddress: 'sam@bayside.example' });
  });

  it.each([
    ['Auto-Submitted: auto-replied', 'Auto-Submitted: auto-replied'],
    ['X-Autoreply: yes', 'x-autoreply header'],
    ['Precedence: bulk', 'Precedence: bulk'],
  ])('%s is an auto-reply', async (h, why) => {
    expect(readMail(await simpleParser(mime([h]))).autoReply).toBe(why);
  });

  it('Auto-Submitted: no is a person', async () => {
    expect(readMail(await simpleParser(mime(['Auto-Submitted: no']))).autoReply).toBeNull();
  });

  it('keeps a real PDF; refuses an executable, a PDF that is not one, and one over 5 MB', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(100, 32)]);
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(MAX_ATTACHMENT_BYTES, 32)]);
    const f = readMail(
      await simpleParser(
        mime([], [
          { type: 'application/pdf', name: 'remittance.pdf', body: pdf },
          { type: 'application/octet-stream', name: 'invoice.exe', body: Buffer.from('MZ') },
          { type: 'application/pdf', name: 'fake.pdf', body: Buffer.from('<html>') },
          { type: 'application/pdf', name: 'big.pdf', body: big },
        ]),
      ),
    );
    expect(f.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([['remittance.pdf', 'application/pdf', pdf.length]]);
    expect(f.refused).toEqual([
      { filename: 'invoice.exe', reason: 'This kind of file is not kept.' },
      { filename: 'fake.pdf', reason: 'The file is not what its name says.' },
      { filename: 'big.pdf', reason: 'The file is larger than 5 MB.' },
    ]);
  });
});
