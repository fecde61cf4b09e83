/** An anchor that navigates without reloading the page. */
import { type AnchorHTMLAttributes, type MouseEvent, useContext } from 'react';
import { preloadPath } from '../app/preload.ts';
import { navigate } from '../app/router.ts';
import { UserCachesContext } from '../app/use-resource.ts';

/** `<a href>` handled by the router (modified clicks still open new tabs); hovering preloads its page's data. */
export function Link({
  href,
  onClick,
  onMouseEnter,
  onFocus,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const caches = useContext(UserCachesContext);
  const warm = () => {
    if (caches) void preloadPath(caches, href);
  };
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return (
    <a
      href={href}
      onClick={handle}
      onMouseEnter={(event) => {
        onMouseEnter?.(event);
        warm();
      }}
      onFocus={(event) => {
        onFocus?.(event);
        warm();
      }}
      {...rest}
    />
  );
}
