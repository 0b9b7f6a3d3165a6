import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { I18nProvider } from './i18n';
import { simulateEarly } from './pages/Impact';
import { routeOf } from './router';
import { session } from './session';
import './styles.css';

const route = routeOf(window.location.pathname);
if (route.page === 'draft' && session.key()) simulateEarly(route.id);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
