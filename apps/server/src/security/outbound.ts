/**
 * The outbound policy of the connectors: a request may only reach the public internet. Private,
 * loopback, link-local, unique-local, multicast, metadata and reserved addresses are refused,
 * whatever form the URL writes them in (the URL parser turns `2130706433` and `0x7f.1` into
 * `127.0.0.1`; IPv4 inside IPv6 is unwrapped), unless `OUTBOUND_ALLOW` lists them. Names are
 * checked after DNS resolution, and again when the socket connects (the lookup the HTTP client
 * uses), so a name that resolves — or re-resolves — to a private address is refused too.
 */

import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  type AddressClass,
  addressBytes,
  type Cidr,
  classifyAddress,
  inCidr,
  parseCidr,
  sameAddress,
} from './addresses.ts';

/** Resolves a host name to its addresses (injectable: tests resolve names without DNS). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

/** Refused by the outbound policy; the API answers it as `E_OUTBOUND_FORBIDDEN`. */
export class OutboundForbiddenError extends Error {
  readonly code = 'E_OUTBOUND_FORBIDDEN';
  override name = 'OutboundForbiddenError';
}

/** One `OUTBOUND_ALLOW` entry. */
export type AllowRule =
  | { readonly kind: 'hostPort'; readonly host: string; readonly port: number }
  | { readonly kind: 'cidr'; readonly cidr: Cidr };

/**
 * Parses `OUTBOUND_ALLOW`: entries separated by commas or spaces, each `host:port`
 * (`[v6]:port` for IPv6) or a CIDR block. Throws a message naming the bad entry.
 */
export function parseAllowList(text: string | undefined): AllowRule[] {
  const rules: AllowRule[] = [];
  for (const entry of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    if (entry.includes('/')) {
      const cidr = parseCidr(entry);
      if (!cidr) throw new Error(`"${entry}" is not a CIDR block like 10.0.0.0/8 or fd00::/8`);
      rules.push({ kind: 'cidr', cidr });
      continue;
    }
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535 || (match[1] !== undefined && isIP(match[1]) !== 6)) {
      throw new Error(`"${entry}" is not host:port, [ipv6]:port or a CIDR block`);
    }
    rules.push({ kind: 'hostPort', host: (match[1] ?? match[2]!).toLowerCase(), port });
  }
  return rules;
}

/** The `host:port` entry that allows exactly the origin of `url` (the demo's simulator). */
export function allowEntryFor(url: string): string {
  const { hostname, port, protocol } = new URL(url);
  return `${hostname}:${port || (protocol === 'https:' ? 443 : 80)}`;
}

// Names that are private by definition, whatever a resolver says about them.
const RESERVED_NAME = /(^|\.)(localhost|internal|local|home\.arpa)$|^metadata$/;

const describe = (kind: AddressClass) =>
  ({
    unspecified: 'an unspecified',
    loopback: 'a loopback',
    private: 'a private-network',
    shared: 'a shared (carrier NAT / metadata)',
    'link-local': 'a link-local (cloud metadata)',
    'unique-local': 'a unique-local',
    multicast: 'a multicast',
    documentation: 'a documentation',
    reserved: 'a reserved',
  })[kind];

const stripBrackets = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
const effectivePort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** Options of {@link OutboundGuard}. */
export interface OutboundGuardOptions {
  /** Exceptions (`OUTBOUND_ALLOW`). @default none */
  allow?: readonly AllowRule[];
  /** Name resolution. @default dns.lookup (all addresses) */
  resolve?: Resolver;
}

/** See the file comment. */
export class OutboundGuard {
  readonly #allow: AllowRule[];
  readonly #resolve: Resolver;

  constructor(options: OutboundGuardOptions = {}) {
    this.#allow = [...(options.allow ?? [])];
    this.#resolve = options.resolve ?? ((hostname) => dnsLookup(hostname, { all: true, verbatim: true }));
  }

  /** Allows one more `OUTBOUND_ALLOW`-style entry (the demo's simulator, known only once it listens). */
  permit(entry: string): void {
    this.#allow.push(...parseAllowList(entry));
  }

  /**
   * Throws {@link OutboundForbiddenError} unless `url` may be requested. With `resolveNames`
   * false (saving an integration), a name that does not resolve is let through: the request-time
   * check resolves it again.
   */
  async check(url: URL | string, options: { resolveNames?: boolean } = {}): Promise<void> {
    const target = typeof url === 'string' ? new URL(url) : url;
    const host = stripBrackets(target.hostname);
    const port = effectivePort(target);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new OutboundForbiddenError(`only http and https URLs may be used, not ${target.protocol}`);
    }
    if (target.username || target.password) {
      throw new OutboundForbiddenError('a URL must not carry a user name or password: use the credentials fields');
    }
    if (this.#hostAllowed(host, port)) return;
    if (isIP(host)) {
      this.#checkAddress(host, port, host);
      return;
    }
    if (RESERVED_NAME.test(host.replace(/\.$/, ''))) {
      throw new OutboundForbiddenError(
        `${host} is a private host name; outbound requests only go to the public internet (OUTBOUND_ALLOW lists exceptions)`,
      );
    }
    let addresses: readonly LookupAddress[];
    try {
      addresses = await this.#resolve(host);
    } catch (error) {
      if (options.resolveNames === false) return;
      throw Object.assign(new Error(`${host} could not be resolved`), { cause: error });
    }
    for (const { address } of addresses) this.#checkAddress(address, port, host);
  }

  /**
   * A `lookup` for `http.request`: resolves with the same resolver and refuses any forbidden
   * address, so the address actually connected to is the one checked.
   */
  lookupFor(url: URL): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
    const port = effectivePort(url);
    return (hostname, options, callback) => {
      const host = stripBrackets(hostname);
      this.#resolve(host).then(
        (addresses) => {
          try {
            if (!this.#hostAllowed(host, port))
              for (const { address } of addresses) this.#checkAddress(address, port, host);
            const family = options.family === 4 || options.family === 6 ? options.family : undefined;
            const list = family ? addresses.filter((a) => a.family === family) : addresses;
            if (list.length === 0)
              throw Object.assign(new Error(`${host} has no usable address`), { code: 'ENOTFOUND' });
            if (options.all) callback(null, [...list]);
            else callback(null, list[0]!.address, list[0]!.family);
          } catch (error) {
            callback(error as NodeJS.ErrnoException, '');
          }
        },
        (error: NodeJS.ErrnoException) => callback(error, ''),
      );
    };
  }

  #hostAllowed(host: string, port: number): boolean {
    return this.#allow.some((rule) => rule.kind === 'hostPort' && rule.host === host && rule.port === port);
  }

  #checkAddress(address: string, port: number, host: string): void {
    const bytes = addressBytes(address);
    if (!bytes) throw new OutboundForbiddenError(`${host} resolved to an unusable address`);
    const kind = classifyAddress(bytes);
    if (kind === undefined) return;
    const allowed = this.#allow.some((rule) => {
      if (rule.kind === 'cidr') return inCidr(unmapped(bytes), rule.cidr);
      const ruleBytes = addressBytes(rule.host);
      return ruleBytes !== undefined && rule.port === port && sameAddress(ruleBytes, bytes);
    });
    if (allowed) return;
    const named = host === address ? host : `${host} (${address})`;
    throw new OutboundForbiddenError(
      `${named} is ${describe(kind)} address; outbound requests only go to the public internet (OUTBOUND_ALLOW lists exceptions)`,
    );
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

// CIDR rules are written for IPv4; a dual-stack socket may report `::ffff:a.b.c.d`.
function unmapped(bytes: Uint8Array): Uint8Array {
  const mapped =
    bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}
