/**
 * Page state kept in the URL's query (`?window=7&metric=leadTimeHours`), so a reload or a shared
 * link shows the same view. Changes replace the history entry: choosing a window is not a visit.
 */
import { useCallback, useState } from 'react';

/** One query parameter as React state, written back to the address bar. */
export function useSearchParam(name: string): [string | undefined, (value: string | undefined) => void] {
  const [value, setValue] = useState<string | undefined>(
    () => new URLSearchParams(window.location.search).get(name) ?? undefined,
  );
  const update = useCallback(
    (next: string | undefined) => {
      const params = new URLSearchParams(window.location.search);
      if (next === undefined) params.delete(name);
      else params.set(name, next);
      const query = params.toString();
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${query ? `?${query}` : ''}`);
      setValue(next);
    },
    [name],
  );
  return [value, update];
}
