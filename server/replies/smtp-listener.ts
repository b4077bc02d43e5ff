/**
 * The inbound SMTP listener (smtp-server + mailparser, integrations/email/smtp-server.ts): replies
 * sent to reply+<token>@… reach Arcus directly — self-hosted behind an MX, and in the demo on a
 * free port. A message is answered 250 only once it is stored (or recognised as a duplicate or as
 * no one's); a failure to store is a 451, so the sending server tries again.
 */
import { type SmtpCapture, startSmtpCapture } from '../../integrations/email/smtp-server';
import { describeError } from '../logger';
import { type ReceiveDeps, receiveParsed } from './receive';

export const INBOUND_MAX_BYTES = 25 * 1024 * 1024;

export async function startReplyListener(deps: ReceiveDeps, options: { host: string; port: number }): Promise<SmtpCapture> {
  const smtp = await startSmtpCapture({
    host: options.host,
    port: options.port,
    maxSize: INBOUND_MAX_BYTES,
    rejectRecipient: () => null,
    async onMessage(mail) {
      await receiveParsed(deps, mail.parsed, mail.envelopeTo);
    },
    onError(err) {
      deps.log.error({ err: describeError(err) }, 'an inbound reply could not be stored');
    },
  });
  deps.log.info({ port: smtp.port, host: options.host }, `Replies by SMTP: listening on ${options.host}:${smtp.port}`);
  return smtp;
}
