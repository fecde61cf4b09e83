/** Checks that what a page rendered from the cache belongs to that page. */

/** Throws when a cached value does not belong where it was read from (a corrupted cache). */
export function assertConsistent(ok: boolean, what: string): void {
  if (!ok) throw new Error(`cached ${what} does not match this page`);
}
