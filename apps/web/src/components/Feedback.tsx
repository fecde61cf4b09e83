/**
 * Feedback after an action: a success reads as a success (green, ✓, polite), a failure as a
 * failure (red, ✕, announced at once) — never the same box for both.
 */
import { type FormEvent, useState } from 'react';
import { ApiError, messageOf } from '../app/api.ts';

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

/**
 * State for one form or list of actions: `run` an action, show what came of it. A validation
 * failure about one of `fields` is shown under that field (`errorOf`), the rest in the message;
 * `edited` (the form's `onInput`) clears the message and the edited field's error, so nothing
 * said about the last attempt stays once the user acts again.
 */
export function useOutcome(fields: readonly string[] = []) {
  const [outcome, setOutcome] = useState<Outcome>(undefined);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  /** Runs `action`; its result (a string) is the success text; a throw becomes the error text. */
  const run = async (action: () => Promise<string>): Promise<boolean> => {
    setBusy(true);
    setOutcome(undefined);
    setErrors({});
    try {
      setOutcome({ kind: 'success', text: await action() });
      return true;
    } catch (error) {
      const problems = error instanceof ApiError ? error.problems : [];
      const placed = problems.filter((problem) => fields.includes(problem.field));
      const rest = problems.filter((problem) => !fields.includes(problem.field));
      setErrors(Object.fromEntries(placed.map((problem) => [problem.field, problem.message])));
      if (problems.length === 0) setOutcome({ kind: 'error', text: messageOf(error) });
      else if (rest.length > 0) {
        const text = rest.map((problem) => (problem.field ? `${problem.field}: ${problem.message}` : problem.message));
        setOutcome({ kind: 'error', text: capitalize(text.join('; ')) });
      }
      return false;
    } finally {
      setBusy(false);
    }
  };
  /** The error shown under `field`, if any. */
  const errorOf = (field: string): string | undefined => {
    const message = errors[field];
    return message === undefined ? undefined : capitalize(message);
  };
  /** For a form's `onInput`: what was said about the last attempt goes (for the edited field). */
  const edited = (event: FormEvent) => {
    setOutcome(undefined);
    const name = (event.target as { name?: unknown }).name;
    if (typeof name === 'string' && errors[name] !== undefined) {
      setErrors(({ [name]: _gone, ...others }) => others);
    }
  };
  return { outcome, setOutcome, busy, run, errorOf, edited };
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
