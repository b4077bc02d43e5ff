/** GET/PUT/POST /Contacts and /Contacts/{ContactID}. */
import type { Router } from 'express';
import type { SbContact } from '../../model';
import { itemsOf } from '../body';
import { contactFields } from '../fields';
import { handle, runBatch, type XeroCall } from '../handler';
import { notFound, ok, XeroHttpError, XeroValidationError } from '../http';
import { queryBool, queryList, queryParam, readListParams, runList } from '../list';
import { contactOut } from '../map/contact';
import { type ContactInput, parseContact } from '../parse/contact';
import { isGuid } from '../parse/refs';

function findContact(call: XeroCall, id: string): SbContact {
  const c = isGuid(id) ? call.view.contact(id.toLowerCase()) : undefined;
  if (!c || c.deletedAt !== null) throw new XeroHttpError(notFound());
  return c;
}

function checkUniqueName(call: XeroCall, name: string, selfId: string | null): void {
  const wanted = name.trim().toLowerCase();
  const clash = call.ctx.store
    .list('contacts', call.company.id)
    .find((c) => c.id !== selfId && c.deletedAt === null && c.status === 'ACTIVE' && c.name.trim().toLowerCase() === wanted);
  if (clash) throw new XeroValidationError([`The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`]);
}

function defined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function createContact(call: XeroCall, input: ContactInput): SbContact {
  const { company } = call;
  if (!input.name) throw new XeroValidationError(['The contact Name is required']);
  checkUniqueName(call, input.name, null);
  if (input.currency && input.currency !== company.baseCurrency && !(input.currency in company.rates)) {
    throw new XeroValidationError([`Organisation is not subscribed to currency ${input.currency}`]);
  }
  const fields = defined({
    firstName: input.firstName,
    lastName: input.lastName,
    email: input.email,
    contactPersons: input.contactPersons,
    phone: input.phone,
    address: input.address,
    isCustomer: input.isCustomer ?? true,
    status: input.status,
    currency: input.currency,
  });
  return call.ctx.store.createContact(company.id, { ...fields, name: input.name });
}

function updateContact(call: XeroCall, contact: SbContact, input: ContactInput): SbContact {
  if (input.name !== undefined && input.name !== contact.name) {
    if (input.name === '') throw new XeroValidationError(['The contact Name cannot be empty']);
    checkUniqueName(call, input.name, contact.id);
  }
  if (input.currency && input.currency !== contact.currency) throw new XeroValidationError(['The DefaultCurrency of an existing contact cannot be changed by the sandbox']);
  const changed = <K extends keyof SbContact>(key: K, value: SbContact[K] | undefined) => (value !== undefined && JSON.stringify(value) !== JSON.stringify(contact[key]) ? value : undefined);
  const patch = defined({
    name: changed('name', input.name),
    firstName: changed('firstName', input.firstName),
    lastName: changed('lastName', input.lastName),
    email: changed('email', input.email),
    contactPersons: changed('contactPersons', input.contactPersons),
    phone: changed('phone', input.phone),
    address: changed('address', input.address),
    status: changed('status', input.status),
  });
  if (Object.keys(patch).length === 0) return contact;
  return call.ctx.store.updateContact(call.company.id, contact.id, patch);
}

const render = (call: XeroCall) => (c: SbContact) => contactOut(call.view, c, { summaryOnly: false });
const describe = (verb: string) => (cs: SbContact[]) => `${verb} ${cs.length === 1 ? `contact ${cs[0]!.name}` : `${cs.length} contacts`}`;

export function contactRoutes(router: Router): void {
  router.get(
    '/Contacts',
    handle((call) => {
      const { req, view } = call;
      const params = readListParams(req);
      const ids = queryList(req, 'IDs');
      const idSet = ids ? new Set(ids.map((i) => i.toLowerCase())) : null;
      const includeArchived = queryBool(req, 'includeArchived');
      const term = queryParam(req, 'searchTerm')?.trim().toLowerCase();
      const summaryOnly = queryBool(req, 'summaryOnly');
      const items = call.ctx.store.list('contacts', call.company.id).filter((c) => {
        if (idSet && !idSet.has(c.id)) return false;
        if (!includeArchived && !idSet && c.status === 'ARCHIVED') return false;
        if (term && ![c.name, c.firstName, c.lastName, c.email].some((f) => f?.toLowerCase().includes(term))) return false;
        return true;
      });
      const { items: page, pagination } = runList(items, params, { typeName: 'Contact', fields: contactFields(), updatedAt: (c) => c.updatedAt });
      return ok(view.now, { pagination, Contacts: page.map((c) => contactOut(view, c, { summaryOnly })) });
    }),
  );

  router.get(
    '/Contacts/:ContactID',
    handle((call) => {
      const c = call.view.contact(String(call.req.params.ContactID).toLowerCase());
      if (!c) return notFound();
      return ok(call.view.now, { Contacts: [contactOut(call.view, c, { summaryOnly: false })] });
    }),
  );

  router.put(
    '/Contacts',
    handle((call) =>
      runBatch(call, itemsOf(call.req.body, 'Contacts', 'Contact'), {
        key: 'Contacts',
        parse: (item) => parseContact(item, 'create'),
        apply: (input) => createContact(call, input),
        render: render(call),
        describe: describe('Created'),
      }),
    ),
  );

  router.post(
    '/Contacts',
    handle((call) =>
      runBatch(call, itemsOf(call.req.body, 'Contacts', 'Contact'), {
        key: 'Contacts',
        parse: (item) => parseContact(item, 'create'),
        apply: (input) => {
          if (!input.contactId) return createContact(call, input);
          const existing = call.view.contact(input.contactId);
          if (!existing || existing.deletedAt !== null) throw new XeroValidationError([`The contact with ContactID ${input.contactId} could not be found`]);
          return updateContact(call, existing, input);
        },
        render: render(call),
        describe: describe('Saved'),
      }),
    ),
  );

  router.post(
    '/Contacts/:ContactID',
    handle((call) => {
      const contact = findContact(call, String(call.req.params.ContactID));
      const items = itemsOf(call.req.body, 'Contacts', 'Contact');
      return runBatch(call, items.slice(0, 1), {
        key: 'Contacts',
        parse: (item) => parseContact(item, 'update'),
        apply: (input) => updateContact(call, contact, input),
        render: render(call),
        describe: describe('Updated'),
      });
    }),
  );
}
