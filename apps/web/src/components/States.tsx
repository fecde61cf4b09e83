/** Small shared pieces: loading and error states, the "refreshing" badge, a list's next page. */
import { ApiError, messageOf } from '../app/api.ts';

/** Shown while a value is loaded for the first time. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="muted loading" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/** An error from a load (the last good value, if any, is still shown by the caller). */
export function LoadError({ error, what }: { error: unknown; what: string }) {
  const text =
    error instanceof ApiError && error.status === 403
      ? `You do not have access to this ${what}.`
      : error instanceof ApiError && error.status === 404
        ? `This ${what} does not exist (any more).`
        : `Could not load ${what}: ${messageOf(error)}`;
  return (
    <p className="error-text" role="alert">
      {text}
    </p>
  );
}

/** A quiet badge while a cached value is being revalidated. */
export function Revalidating({ active }: { active: boolean }) {
  return active ? <span className="badge">updating…</span> : null;
}

/** "Show more" under a paged list, while it has more pages. */
export function ShowMore({ list, small }: { list: { more: boolean; loadMore(): Promise<void> }; small?: boolean }) {
  if (!list.more) return null;
  return (
    <button type="button" className={small ? 'secondary small' : 'secondary'} onClick={() => void list.loadMore()}>
      Show more
    </button>
  );
}
