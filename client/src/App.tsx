import { Center, Loader } from '@mantine/core';
import { Redirect, Route, Switch } from 'wouter';
import { Shell } from './Shell';
import { SectionPage } from './pages/SectionPage';
import { SignInPage } from './pages/SignInPage';
import { NAV } from './nav';
import { useSession } from './session';

export function App() {
  const session = useSession();
  if (session.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!session.data?.user) return <SignInPage demo={session.data?.demo ?? false} error={session.error?.message} />;
  return (
    <Shell user={session.data.user} firm={session.data.firm!}>
      <Switch>
        {NAV.map((item) => (
          <Route key={item.path} path={item.path}>
            <SectionPage item={item} />
          </Route>
        ))}
        <Route>
          <Redirect to="/portfolio" />
        </Route>
      </Switch>
    </Shell>
  );
}
