/**
 * Who a reminder is from. Pure. From the client's own address, DKIM-signed with its domain's key,
 * only when that domain was verified by the last check; otherwise from the firm's address
 * (MAIL_FROM) under the client's name, with replies going to the client's address. Never from an
 * unverified domain.
 */
import { domainOf } from './records';

export interface SendingIdentity {
  fromAddress: string | null;
  domain: string | null;
  selector: string | null;
  verified: boolean;
  /** The unsealed private key (PEM), or null when it could not be opened. */
  privateKeyPem: string | null;
}

export interface ChosenSender {
  from: string;
  replyTo: string | null;
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
}

const displayName = (name: string) => name.replace(/["\\\r\n]/g, '').trim();

export function chooseSender(p: { mailFromAddress: string; name: string; replyTo: string | null; identity: SendingIdentity | null }): ChosenSender {
  const name = displayName(p.name);
  const id = p.identity;
  const own = id?.fromAddress?.trim() || null;
  if (id && own && id.verified && id.domain && id.selector && id.privateKeyPem && domainOf(own) === id.domain) {
    return { from: `"${name}" <${own}>`, replyTo: p.replyTo, dkim: { domainName: id.domain, keySelector: id.selector, privateKey: id.privateKeyPem } };
  }
  return { from: `"${name}" <${p.mailFromAddress}>`, replyTo: p.replyTo ?? own, dkim: null };
}
