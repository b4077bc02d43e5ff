/**
 * Who may do what: one table (docs/decisions/017-team-and-roles.md). Every route names the
 * permission it needs (`allow(req, 'collect')`); `PERMISSIONS` says which roles hold it; and
 * `ROUTE_PERMISSIONS` names each route's permission so `test/isolation/role-matrix.test.ts` can call
 * every route as every role and fail on a route missing here or answering against the table.
 *
 * A client contact (someone at the client business) holds only `organisation.read`, and only for
 * the organisations their membership is linked to: `allowOrganisation` answers 404 for any other
 * organisation of the firm, as if it did not exist.
 */
import type { Request } from 'express';
import { forbidden, notFound, unauthorized } from '../../kernel/errors';

export const ROLES = ['admin', 'manager', 'collector', 'viewer', 'client_contact', 'salesperson'] as const;
export type Role = (typeof ROLES)[number];

/** A role in words (its key is never shown to a person). */
export const ROLE_WORDS: Record<Role, { name: string; withArticle: string }> = {
  admin: { name: 'Administrator', withArticle: 'an administrator' },
  manager: { name: 'Manager', withArticle: 'a manager' },
  collector: { name: 'Collector', withArticle: 'a collector' },
  viewer: { name: 'Viewer', withArticle: 'a viewer' },
  client_contact: { name: 'Client contact', withArticle: 'a client contact' },
  salesperson: { name: 'Salesperson', withArticle: 'a salesperson' },
};

const STAFF = ['admin', 'manager', 'collector', 'viewer'] as const satisfies readonly Role[];
const COLLECTORS = ['admin', 'manager', 'collector'] as const satisfies readonly Role[];
const ADMINS = ['admin'] as const satisfies readonly Role[];

interface Permission {
  roles: readonly Role[];
  /** The 403's sentence: who may, in words. */
  refusal: string;
}

const STAFF_ONLY = 'Only people who work at the firm can see this.';
const COLLECTORS_ONLY = 'Only a collector, a manager or an administrator can do this.';
const ADMINS_ONLY = 'Only an administrator can do this.';

export const PERMISSIONS = {
  /** Firm-wide reads: portfolio, worklist, lists across organisations, timelines, reminders, the mailbox. */
  'firm.read': { roles: STAFF, refusal: STAFF_ONLY },
  /** One organisation's figures, customers and invoices: client contacts too, for their own organisations. */
  'organisation.read': { roles: [...STAFF, 'client_contact'], refusal: STAFF_ONLY },
  /** Chasing: promises, disputes, notes, calls, pay links, plans, late fees, retries, syncs, scoring. */
  collect: { roles: COLLECTORS, refusal: COLLECTORS_ONLY },
  /** The firm's and organisations' settings, policies, templates, targets, rates, reminder runs. */
  'settings.manage': { roles: ADMINS, refusal: ADMINS_ONLY },
  /** Approving, rejecting and reversing changes to ledgers. */
  'ledger.approve': { roles: ADMINS, refusal: ADMINS_ONLY },
  /** Connecting, disconnecting and deleting organisations; assigning them to people. */
  'organisations.manage': { roles: ADMINS, refusal: ADMINS_ONLY },
  /** Personal-data export and erasure, retention, the audit log, closing the account. */
  'privacy.manage': { roles: ADMINS, refusal: ADMINS_ONLY },
  /** The team: members and pending invitations. */
  'team.read': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can see the team.' },
  /** Inviting people (a manager: collectors and viewers only — `INVITABLE`) and revoking those invitations. */
  'team.invite': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can invite people.' },
  /** Changing a member's role or organisations, removing a member. */
  'team.manage': { roles: ADMINS, refusal: ADMINS_ONLY },
  /** Organisation owners and customers' collectors: rules and bulk reassignment (docs/decisions/023). */
  'assignments.manage': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can assign work.' },
  /** Choosing, per organisation, what waits for the client's approval (docs/decisions/024). */
  'client_approvals.manage': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can choose what waits for the client.' },
  /** Firm defaults and each organisation's overrides of them, "apply to all clients" (docs/decisions/028). */
  'firm_defaults.manage': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can change the firm’s defaults or a client’s settings.' },
  /** Approving or declining, as the client, what the firm asks to change in their ledger: client contacts only — nobody decides for them. */
  'client.approve': { roles: ['client_contact'], refusal: 'Only the client’s own contact can approve or decline this.' },
  /** The client contact's own dashboard (their organisations' figures, the firm's work this month): client contacts only (docs/decisions/029). */
  'client.view': { roles: ['client_contact'], refusal: 'This page is for the client’s own contact.' },
  /** Sales commissions (docs/decisions/036): the source of who sold, salespeople, plans, assignments, computing and exporting statements. */
  'commissions.manage': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can change or export commissions.' },
  /** Approving a salesperson's monthly commission statement, as the client: client contacts only. */
  'commissions.approve': { roles: ['client_contact'], refusal: 'Only the client’s own contact can approve a commission statement.' },
  /** A salesperson's own commission statements, and nothing else. */
  'commissions.own': { roles: ['salesperson'], refusal: 'This page is for a salesperson’s own statements.' },
  /** Marking a client as pitched, won or declined on Opportunities; won starts the client's service (docs/decisions/037). */
  'opportunities.manage': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can record a pitch.' },
  /** The firm's fees for its service: clients' fee plans, monthly statements and approving them (docs/decisions/035). */
  'fees.manage': { roles: ['admin', 'manager'], refusal: 'Only a manager or an administrator can see or change the firm’s fees.' },
} as const satisfies Record<string, Permission>;

export type PermissionName = keyof typeof PERMISSIONS;

/** Which roles a role may invite (and whose invitations it may revoke). */
export const INVITABLE: Record<Role, readonly Role[]> = {
  admin: ROLES,
  manager: ['collector', 'viewer'],
  collector: [],
  viewer: [],
  client_contact: [],
  salesperson: [],
};

/** Routes reached without a signed-in member (a credential in the path, a signature, or nothing), and browser redirects. */
export type RouteAccess = PermissionName | 'public' | 'signed_in_redirect';

/**
 * Every route of the app and what it needs. A route not listed fails the role matrix; a route
 * whose handler checks another permission than listed fails it too (as soon as the roles differ).
 */
export const ROUTE_PERMISSIONS: Record<string, RouteAccess> = {
  // session and invitations
  'GET /api/session': 'public',
  'POST /api/auth/demo': 'public',
  'POST /api/auth/sign-out': 'public',
  'GET /api/invitations/:token': 'public',
  'POST /api/invitations/:token/accept': 'public',
  'POST /api/auth/sign-in-link': 'public',
  'POST /api/auth/sign-in-link/:token': 'public',
  // the client in the loop (docs/decisions/024)
  'GET /api/organisations/:id/client-approvals': 'firm.read',
  'GET /api/client/dashboard': 'client.view',
  // sales commissions (docs/decisions/036)
  'GET /api/organisations/:id/commissions': 'firm.read',
  'PUT /api/organisations/:id/commissions/settings': 'commissions.manage',
  'POST /api/organisations/:id/commissions/people': 'commissions.manage',
  'PUT /api/commissions/people/:id': 'commissions.manage',
  'POST /api/organisations/:id/commissions/assignments': 'commissions.manage',
  'POST /api/organisations/:id/commissions/compute': 'commissions.manage',
  'GET /api/commission-statements/:id': 'firm.read',
  'GET /api/organisations/:id/commissions/export': 'commissions.manage',
  'GET /api/client/commissions': 'commissions.approve',
  'POST /api/client/commissions/:id/approve': 'commissions.approve',
  'GET /api/my/commissions': 'commissions.own',
  // opportunities and benchmarks (server/opportunities/, docs/decisions/037)
  'GET /api/opportunities': 'firm.read',
  'GET /api/opportunities/benchmarks': 'firm.read',
  'PUT /api/opportunities/settings': 'settings.manage',
  'GET /api/organisations/:id/pitch/pdf': 'firm.read',
  'POST /api/organisations/:id/pitch': 'opportunities.manage',
  // statements, the billing ledger and the Exceptions queue (issue #19; server/statements/, server/exceptions/)
  'GET /api/customers/:id/statement': 'firm.read',
  'GET /api/customers/:id/sms': 'firm.read',
  'GET /api/customers/:id/statement/pdf': 'firm.read',
  'GET /api/customers/:id/billing-ledger.csv': 'firm.read',
  'POST /api/customers/:id/statement/email': 'collect',
  'GET /api/organisations/:id/statement-schedule': 'firm.read',
  'PUT /api/organisations/:id/statement-schedule': 'settings.manage',
  'GET /api/exceptions': 'firm.read',
  'POST /api/exceptions/decide': 'collect',
  // letters (issue #20; server/letters/, docs/decisions/042)
  'POST /api/letters/collect': 'collect',
  'GET /api/letters/batches': 'firm.read',
  'GET /api/letters/batches/:id': 'firm.read',
  'GET /api/letters/batches/:id/pdf': 'firm.read',
  'GET /api/letters/batches/:id/addresses.csv': 'firm.read',
  'POST /api/letters/batches/:id/confirm': 'collect',
  // returned payments and chargebacks (issue #19; server/returns/, docs/decisions/046)
  'GET /api/returned-payments': 'firm.read',
  'POST /api/returned-payments': 'collect',
  'GET /api/returned-payments/customer/:customerId': 'firm.read',
  'GET /api/returned-payments/policy': 'firm.read',
  'PUT /api/returned-payments/policy': 'settings.manage',
  // cancellations (issue #19; server/cancellations/, docs/decisions/048)
  'GET /api/cancellations/invoices': 'firm.read',
  'GET /api/cancellations': 'firm.read',
  'POST /api/cancellations/preview': 'collect',
  'POST /api/cancellations': 'collect',
  'GET /api/cancellations/schedule': 'firm.read',
  'PUT /api/cancellations/schedule': 'settings.manage',
  // autopay on the customer page (issue #19; server/autopay/, docs/decisions/049)
  'GET /api/customers/:id/autopay': 'firm.read',
  'POST /api/customers/:id/autopay/cancel': 'collect',
  'POST /api/customers/:id/autopay/pause': 'collect',
  'POST /api/customers/:id/autopay/resume': 'collect',
  // the firm's declined-card retry schedule (decision 056)
  'GET /api/autopay/retry-schedule': 'firm.read',
  'PUT /api/autopay/retry-schedule': 'settings.manage',
  // billing review, billing policies and billing accuracy (issue #21; server/billing-review/, docs/decisions/044)
  'GET /api/billing-review': 'firm.read',
  'POST /api/billing-review/refresh': 'collect',
  'POST /api/billing-review/:id/request': 'collect',
  'POST /api/billing-review/:id/approve': 'ledger.approve',
  'POST /api/billing-review/:id/send-back': 'collect',
  'GET /api/billing-policies': 'firm.read',
  'PUT /api/billing-policies': 'settings.manage',
  'POST /api/billing-policies/remove': 'settings.manage',
  'GET /api/organisations/:id/billing-accuracy': 'organisation.read',
  // the firm's fees for its service (server/fees/, docs/decisions/035)
  'GET /api/fees': 'fees.manage',
  'POST /api/fees/compute': 'fees.manage',
  'PUT /api/fees/practice-ledger': 'settings.manage',
  'GET /api/organisations/:id/fees': 'fees.manage',
  'PUT /api/organisations/:id/fees/plan': 'fees.manage',
  'POST /api/organisations/:id/fees/compute': 'fees.manage',
  'POST /api/organisations/:id/fees/approve': 'fees.manage',
  'PUT /api/organisations/:id/client-approvals': 'client_approvals.manage',
  'GET /api/client/approvals': 'client.approve',
  // settings that carry across clients (docs/decisions/028)
  'GET /api/settings/defaults': 'firm.read',
  'PUT /api/settings/defaults': 'firm_defaults.manage',
  'GET /api/settings/organisations/:organisationId': 'firm.read',
  'PUT /api/settings/organisations/:organisationId': 'firm_defaults.manage',
  'POST /api/settings/organisations/:organisationId/reset': 'firm_defaults.manage',
  'POST /api/settings/apply-to-all/preview': 'firm_defaults.manage',
  'POST /api/settings/apply-to-all': 'firm_defaults.manage',
  'POST /api/client/approvals/:id/approve': 'client.approve',
  'POST /api/client/approvals/:id/decline': 'client.approve',
  // team
  'GET /api/team': 'team.read',
  'POST /api/team/invitations': 'team.invite',
  'DELETE /api/team/invitations/:id': 'team.invite',
  'PATCH /api/team/members/:id': 'team.manage',
  'DELETE /api/team/members/:id': 'team.manage',
  // assignment and My work (docs/decisions/023)
  'GET /api/assignments': 'firm.read',
  'PUT /api/organisations/:id/owner': 'assignments.manage',
  'POST /api/assignments/rules': 'assignments.manage',
  'POST /api/assignments/reassign': 'assignments.manage',
  'GET /api/my-work': 'firm.read',
  // replies (issue #20; docs/decisions/032)
  'GET /api/conversation': 'firm.read',
  'GET /api/replies/waiting': 'firm.read',
  'POST /api/replies/:id/decide': 'collect',
  'POST /api/replies/:id/answer': 'collect',
  'GET /api/reply-attachments/:id': 'firm.read',
  'GET /api/team-queues': 'team.read',
  // tasks and action plans (docs/decisions/025)
  'POST /api/tasks': 'collect',
  'PATCH /api/tasks/:id': 'collect',
  'POST /api/tasks/:id/done': 'collect',
  // the monthly client report and the service's baseline (server/reports/)
  'GET /api/organisations/:id/report': 'organisation.read',
  'GET /api/organisations/:id/report/pdf': 'organisation.read',
  'PUT /api/organisations/:id/service': 'settings.manage',
  'POST /api/tasks/:id/skip': 'collect',
  'GET /api/organisations/:id/action-plan': 'firm.read',
  'PUT /api/targets/:id/owner': 'assignments.manage',
  // connections
  'GET /api/organisations': 'organisation.read',
  'GET /api/organisations/:id': 'organisation.read',
  'GET /api/organisations/:id/sync-runs': 'organisation.read',
  'POST /api/organisations/:id/sync': 'collect',
  'POST /api/organisations/:id/disconnect': 'organisations.manage',
  'DELETE /api/organisations/:id/data': 'organisations.manage',
  'PATCH /api/organisations/:id': 'organisations.manage',
  // analytics
  'GET /api/analytics/organisations': 'organisation.read',
  'GET /api/portfolio': 'firm.read',
  'GET /api/organisations/:id/dashboard': 'organisation.read',
  'GET /api/organisations/:id/customers': 'organisation.read',
  'GET /api/customers/:id': 'organisation.read',
  'GET /api/organisations/:id/invoices': 'organisation.read',
  'GET /api/organisations/:id/segments': 'organisation.read',
  'GET /api/organisations/:id/data-quality': 'organisation.read',
  'GET /api/organisations/:id/targets': 'organisation.read',
  'POST /api/organisations/:id/targets': 'settings.manage',
  'PATCH /api/targets/:id': 'settings.manage',
  'DELETE /api/targets/:id': 'settings.manage',
  'GET /api/exchange-rates': 'firm.read',
  'PUT /api/exchange-rates': 'settings.manage',
  'DELETE /api/exchange-rates/:id': 'settings.manage',
  'GET /api/firm/settings': 'firm.read',
  'PATCH /api/firm/settings': 'settings.manage',
  // scoring
  'GET /api/worklist': 'firm.read',
  'POST /api/worklist/contacted': 'collect',
  'GET /api/organisations/:id/scores': 'firm.read',
  'POST /api/organisations/:id/score': 'collect',
  'GET /api/organisations/:id/forecast': 'firm.read',
  'GET /api/portfolio/forecast': 'firm.read',
  'GET /api/portfolio/chronic-late': 'firm.read',
  'GET /api/organisations/:id/backtest': 'firm.read',
  'GET /api/customers/:id/backtest': 'firm.read',
  'GET /api/organisation-assignments': 'firm.read',
  'PUT /api/organisations/:id/assignments': 'organisations.manage',
  // reminders
  'GET /api/reminders/organisations': 'firm.read',
  'GET /api/reminders/settings/:organisationId': 'firm.read',
  'PUT /api/reminders/settings/:organisationId': 'settings.manage',
  'GET /api/reminders/firm-settings': 'firm.read',
  'PUT /api/reminders/firm-settings': 'settings.manage',
  'GET /api/reminders/policies': 'firm.read',
  'POST /api/reminders/policies': 'settings.manage',
  'PUT /api/reminders/policies/:id': 'settings.manage',
  'DELETE /api/reminders/policies/:id': 'settings.manage',
  'GET /api/reminders/templates': 'firm.read',
  'GET /api/reminders/merge-fields': 'firm.read',
  'POST /api/reminders/templates': 'settings.manage',
  'PUT /api/reminders/templates/:id': 'settings.manage',
  'POST /api/reminders/templates/:id/duplicate': 'settings.manage',
  'DELETE /api/reminders/templates/:id': 'settings.manage',
  'POST /api/reminders/templates/validate': 'firm.read',
  'POST /api/reminders/templates/preview': 'firm.read',
  'POST /api/reminders/templates/test-send': 'collect',
  'GET /api/reminders/outbox': 'firm.read',
  'GET /api/reminders/sends/:id': 'firm.read',
  'POST /api/reminders/sends/:id/approve': 'collect',
  'POST /api/reminders/sends/:id/skip': 'collect',
  'POST /api/reminders/sends/:id/retry': 'collect',
  'GET /api/reminders/preview': 'firm.read',
  'POST /api/reminders/run/:organisationId/plan': 'settings.manage',
  'POST /api/reminders/run/:organisationId': 'settings.manage',
  'GET /api/reminders/customers': 'firm.read',
  'GET /api/reminders/customers/:organisationId/:contactExternalId': 'firm.read',
  'PUT /api/reminders/customers/:organisationId/:contactExternalId': 'collect',
  'DELETE /api/reminders/customers/:organisationId/:contactExternalId/unsubscribes/:address': 'settings.manage',
  'PUT /api/reminders/invoices/:organisationId/:invoiceExternalId/hold': 'collect',
  // sender identity (docs/decisions/018)
  'GET /api/sender-identity/:organisationId': 'firm.read',
  'PUT /api/sender-identity/:organisationId': 'settings.manage',
  'POST /api/sender-identity/:organisationId/check': 'settings.manage',
  'PUT /api/sender-identity/:organisationId/logo': 'settings.manage',
  'DELETE /api/sender-identity/:organisationId/logo': 'settings.manage',
  // billing (app-store subscriptions)
  'GET /api/billing': 'settings.manage',
  'POST /api/billing/refresh': 'settings.manage',
  // mailbox
  'GET /api/mailbox': 'firm.read',
  'GET /api/mailbox/:id': 'firm.read',
  // write-backs and the collector's log
  'GET /api/writebacks': 'firm.read',
  'GET /api/writebacks/counts': 'firm.read',
  'GET /api/writebacks/:id': 'firm.read',
  'POST /api/writebacks/approve': 'ledger.approve',
  'POST /api/writebacks/reject': 'ledger.approve',
  'POST /api/writebacks/:id/retry': 'collect',
  'POST /api/writebacks/:id/reverse': 'ledger.approve',
  'POST /api/writebacks/credit-notes': 'collect',
  'GET /api/activities': 'firm.read',
  'POST /api/collector/promise': 'collect',
  'POST /api/collector/dispute': 'collect',
  'POST /api/collector/resolve-dispute': 'collect',
  'POST /api/collector/note': 'collect',
  'POST /api/collector/call': 'collect',
  'GET /api/collector/follow-ups': 'firm.read',
  'POST /api/collector/follow-ups/:id/done': 'collect',
  'POST /api/pay-links': 'collect',
  'POST /api/pay-links/send': 'collect',
  // collections
  'GET /api/collections/policy': 'firm.read',
  'PUT /api/collections/policy': 'settings.manage',
  'GET /api/collections/statutory-rates': 'firm.read',
  'PUT /api/collections/statutory-rates': 'settings.manage',
  'DELETE /api/collections/statutory-rates': 'settings.manage',
  'GET /api/collections/late-fees/preview': 'firm.read',
  'POST /api/collections/late-fees/apply': 'collect',
  'POST /api/collections/late-fees/forgive': 'collect',
  'GET /api/collections/discounts': 'firm.read',
  'POST /api/collections/plans/preview': 'firm.read',
  'POST /api/collections/plans': 'collect',
  'GET /api/collections/plans': 'firm.read',
  'GET /api/collections/plans/:id': 'firm.read',
  'POST /api/collections/plans/:id/cancel': 'collect',
  // privacy
  'GET /api/privacy/customers': 'privacy.manage',
  'GET /api/privacy/customers/:id/export': 'privacy.manage',
  'POST /api/privacy/customers/:id/erase': 'privacy.manage',
  'GET /api/privacy/erasures': 'privacy.manage',
  'GET /api/privacy/retention': 'privacy.manage',
  'PUT /api/privacy/retention': 'privacy.manage',
  'GET /api/privacy/audit': 'privacy.manage',
  'GET /api/privacy/firm/export': 'privacy.manage',
  'POST /api/privacy/firm/close': 'privacy.manage',
  // browser redirects: a refused role is sent back to the page with a message, not answered 403
  'GET /oauth/:provider/connect': 'signed_in_redirect',
  'GET /oauth/:provider/sign-up': 'signed_in_redirect',
  'GET /oauth/:provider/launch': 'public',
  'GET /oauth/:provider/disconnect': 'public',
  'GET /oauth/:provider/sign-in': 'public',
  'GET /oauth/:provider/callback': 'public',
  // public: the health check, the web client, organisations' logos (emails show them), the debtor's pay page, checkouts, unsubscribes (a token is the credential), signed webhooks
  'GET /healthz': 'public',
  'GET /{*splat}': 'public',
  'GET /brand/logo/:key': 'public',
  'GET /pay-api/:token': 'public',
  'POST /pay-api/:token/checkout': 'public',
  'GET /pay-api/:token/checkouts/:checkoutId': 'public',
  'POST /pay-api/:token/promise': 'public',
  'POST /webhooks/mailgun/mime': 'public',
  'POST /webhooks/sms/status': 'public',
  'POST /webhooks/sms/inbound': 'public',
  'POST /pay-api/:token/dispute': 'public',
  'POST /pay-api/:token/card-setup': 'public',
  'GET /pay-api/:token/card-setups/:setupId': 'public',
  'POST /pay-api/:token/autopay': 'public',
  'GET /pay/sandbox-setup/:setupRef': 'public',
  'POST /pay/sandbox-setup/:setupRef': 'public',
  'GET /pay/sandbox-checkout/:sessionId': 'public',
  'POST /pay/sandbox-checkout/:sessionId': 'public',
  'POST /webhooks/stripe/': 'public',
  'POST /webhooks/xero': 'public',
  'POST /webhooks/quickbooks': 'public',
  'GET /u/:token': 'public',
  'POST /u/:token': 'public',
};

export interface RoleHolder {
  role: Role;
  /** A client contact's organisations; null: every organisation of the firm. */
  organisationIds: readonly string[] | null;
}

export function can(who: { role: Role } | undefined, permission: PermissionName): boolean {
  return Boolean(who) && (PERMISSIONS[permission].roles as readonly Role[]).includes(who!.role);
}

/** The signed-in member if they hold the permission: 401 when nobody is signed in, 403 when their role does not. */
export function allow<P extends PermissionName>(req: Request, permission: P): NonNullable<Request['auth']> {
  const auth = req.auth;
  if (!auth) throw unauthorized('Sign in to continue.', 'unauthenticated');
  if (!can(auth, permission)) throw forbidden(PERMISSIONS[permission].refusal);
  return auth;
}

/** Whether the member may see this organisation at all (a client contact: only their own). */
export function seesOrganisation(who: RoleHolder, organisationId: string): boolean {
  return who.organisationIds === null || who.organisationIds.includes(organisationId);
}

/** 404 for an organisation the member may not see, exactly as for one that does not exist. */
export function allowOrganisation(who: RoleHolder, organisationId: string, message = 'No such organisation.'): void {
  if (!seesOrganisation(who, organisationId)) throw notFound(message);
}

/** The permissions a role holds, for the client to show or hide controls (the server checks anyway). */
export function permissionsOf(role: Role): PermissionName[] {
  return (Object.keys(PERMISSIONS) as PermissionName[]).filter((p) => (PERMISSIONS[p].roles as readonly Role[]).includes(role));
}
