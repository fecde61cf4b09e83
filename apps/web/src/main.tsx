/** Entry point: starts the session (rendering at once for a remembered user) and mounts the app. */
import { installHumanMessages } from '@agiletrack/domain';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { startSession } from './app/session.ts';

// Forms check input with the API's schemas, in the API's words.
installHumanMessages();
void startSession();
const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
