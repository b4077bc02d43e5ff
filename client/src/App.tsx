import { Center, Loader } from '@mantine/core';
import { Redirect, Route, Switch, useRoute } from 'wouter';
import { Shell } from './Shell';
import { ForecastPage } from './pages/forecast/ForecastPage';
import { CustomerPage } from './pages/customers/CustomerPage';
import { CustomersPage } from './pages/customers/CustomersPage';
import { StatementPage } from './pages/customers/StatementPage';
import { ExceptionsPage } from './pages/exceptions/ExceptionsPage';
import { BillingReviewPage } from './pages/billing-review/BillingReviewPage';
import { InvoicesPage } from './pages/invoices/InvoicesPage';
import { OrganisationPage } from './pages/organisation/OrganisationPage';
import { PortfolioPage } from './pages/portfolio/PortfolioPage';
import { OpportunitiesPage } from './pages/opportunities/OpportunitiesPage';
import { ReportPage } from './pages/report/ReportPage';
import { FeesPage } from './pages/fees/FeesPage';
import { ServiceFeesPage } from './pages/fees/ServiceFeesPage';
import { SectionPage } from './pages/SectionPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { SyncLogPage } from './pages/settings/SyncLogPage';
import { SignInPage } from './pages/SignInPage';
import { WorklistPage } from './pages/worklist/WorklistPage';
import { MyWorkPage } from './pages/my-work/MyWorkPage';
import { MailboxPage } from './pages/mailbox/MailboxPage';
import { RemindersSection } from './pages/reminders/RemindersPage';
import { NAV } from './nav';
import { useSession } from './session';
import { PayPage } from './pay/PayPage';
import { InvitePage } from './pages/InvitePage';
import { MagicLinkPage } from './client-approvals/MagicLinkPage';
import { ClientApp } from './client-approvals/ClientApprovalsPage';
import { CommissionsPage } from './commissions/CommissionsPage';
import { SalespersonApp } from './commissions/SalespersonApp';
import { legacyRole } from './roles';
import { ApprovalsPage } from './writebacks/ApprovalsPage';
import { Toasts } from './writebacks/notify';

export function App() {
  // The debtor's pay page: outside the staff shell, no sign-in.
  const [isPay, pay] = useRoute('/pay/:token');
  // An invitation link: outside the staff shell, before sign-in (accepting signs in).
  const [isInvite, invite] = useRoute('/invite/:token');
  const [isMagic, magic] = useRoute('/magic/:token');
  if (isPay && pay?.token) return <PayPage token={pay.token} />;
  if (isInvite && invite?.token) return <InvitePage token={invite.token} />;
  // A sign-in link from an email: used once, then the app opens as the member.
  if (isMagic && magic?.token) return <MagicLinkPage token={magic.token} />;
  return <StaffApp />;
}

function StaffApp() {
  const session = useSession();
  if (session.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!session.data?.user) return <SignInPage demo={session.data?.demo ?? false} signIn={session.data?.signIn} error={session.error?.message} />;
  // A client contact has their own small app: what waits for their approval (docs/decisions/024).
  if (session.data.user.role === 'client_contact') return <ClientApp user={session.data.user} firm={session.data.firm!} />;
  // A salesperson sees their own commission statements and nothing else (docs/decisions/036).
  if (session.data.user.role === 'salesperson') return <SalespersonApp user={session.data.user} firm={session.data.firm!} />;
  return (
    <Shell user={session.data.user} firm={session.data.firm!}>
      <Switch>
        <Route path="/settings/connections/:id/sync-log">{(params) => <SyncLogPage id={params.id} />}</Route>
        <Route path="/settings/connections">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/settings/collections">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/settings/defaults">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/settings/privacy">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/settings/team">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/settings/billing">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/settings/policies">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/approvals" component={ApprovalsPage} />
        <Route path="/settings">
          <SettingsPage role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/my-work" component={MyWorkPage} />
        <Route path="/worklist" component={WorklistPage} />
        <Route path="/forecast" component={ForecastPage} />
        <Route path="/portfolio" component={PortfolioPage} />
        <Route path="/opportunities" component={OpportunitiesPage} />
        <Route path="/organisations/:id/report">{(params) => <ReportPage organisationId={params.id} />}</Route>
        <Route path="/organisations/:id/commissions">{(params) => <CommissionsPage organisationId={params.id} />}</Route>
        <Route path="/organisations/:id/fees">{(params) => <ServiceFeesPage organisationId={params.id} />}</Route>
        <Route path="/fees" component={FeesPage} />
        <Route path="/organisations/:id" component={OrganisationPage} />
        <Route path="/customers/:id/statement" component={StatementPage} />
        <Route path="/customers/:id" component={CustomerPage} />
        <Route path="/exceptions" component={ExceptionsPage} />
        <Route path="/billing-review" component={BillingReviewPage} />
        <Route path="/customers" component={CustomersPage} />
        <Route path="/invoices" component={InvoicesPage} />
        <Route path="/reminders/*?">
          <RemindersSection role={legacyRole(session.data.user.role)} />
        </Route>
        <Route path="/mailbox" component={MailboxPage} />
        {NAV.map((item) => (
          <Route key={item.path} path={item.path}>
            <SectionPage item={item} />
          </Route>
        ))}
        <Route>
          <Redirect to="/portfolio" />
        </Route>
      </Switch>
      <Toasts />
    </Shell>
  );
}
