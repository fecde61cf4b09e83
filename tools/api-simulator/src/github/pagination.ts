/**
 * GitHub-style pagination: `page` and `per_page` (default 30, at most 100) in, a page of items
 * and a `Link` header (`rel="prev"`, `"next"`, `"last"`, `"first"`) out. Links keep every other
 * query parameter and point at the address the client used.
 */
import type { FastifyRequest } from 'fastify';
import { baseUrlOf, intParam } from '../http.ts';

/** Default and largest `per_page`, as on GitHub. */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

/** One page of a list and the `Link` header that goes with it (absent when one page holds all). */
export interface Page<T> {
  items: T[];
  link: string | undefined;
}

/** Slices `items` by the request's `page`/`per_page` and builds the `Link` header. */
export function paginate<T>(request: FastifyRequest, items: readonly T[]): Page<T> {
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, intParam(request, 'per_page', DEFAULT_PER_PAGE)));
  const page = Math.max(1, intParam(request, 'page', 1));
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);

  const url = new URL(request.url, baseUrlOf(request));
  const at = (n: number): string => {
    url.searchParams.set('page', String(n));
    url.searchParams.set('per_page', String(perPage));
    return url.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${at(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`);
  return { items: slice, link: links.length > 0 ? links.join(', ') : undefined };
}

/** Parses a `Link` header into `{ next: url, last: url, … }` (for tests and clients). */
export function parseLinkHeader(header: string | null | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  for (const part of header?.split(',') ?? []) {
    const match = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (match) links[match[2]!] = match[1]!;
  }
  return links;
}
