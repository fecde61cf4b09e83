/**
 * Feedback after an action: a success reads as a success (green, ✓, polite), a failure as a
 * failure (red, ✕, announced at once) — never the same box for both.
 */
import { useState } from 'react';
import { messageOf } from '../app/api.ts';

/** The outcome of the last action, if any. */
export type Outcome = { readonly kind: 'success' | 'error'; readonly text: string } | undefined;

/** Shows an outcome. */
export function Message({ outcome }: { outcome: Outcome }) {
  if (outcome === undefined) return null;
  return outcome.kind === 'success' ? (
    <p className="message success" role="status">
      <span aria-hidden="true">✓ </span>
      {outcome.text}
    </p>
  ) : (
    <p className="message error" role="alert">
      <span aria-hidden="true">✕ </span>
      {outcome.text}
    </p>
  );
}

/** State for one form or list of actions: `run` an action, show what came of it. */
export function useOutcome() {
  const [outcome, setOutcome] = useState<Outcome>(undefined);
  const [busy, setBusy] = useState(false);
  /** Runs `action`; its result (a string) is the success text; a throw becomes the error text. */
  const run = async (action: () => Promise<string>): Promise<boolean> => {
    setBusy(true);
    setOutcome(undefined);
    try {
      setOutcome({ kind: 'success', text: await action() });
      return true;
    } catch (error) {
      setOutcome({ kind: 'error', text: messageOf(error) });
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { outcome, setOutcome, busy, run };
}
