/**
 * IP address arithmetic for the outbound policy: parsing to bytes, CIDR matching, and which
 * ranges are not the public internet (private, loopback, link-local, unique-local, multicast,
 * metadata, documentation, reserved), including IPv4 embedded in IPv6 (mapped, compatible,
 * NAT64, 6to4), so `::ffff:127.0.0.1` is as loopback as `127.0.0.1`.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is not public, or `undefined` when it is. */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'documentation'
  | 'reserved';

/** A parsed CIDR block (an address and a prefix length in bits). */
export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** The 4 or 16 bytes of an IP address literal (no brackets), or undefined. */
export function addressBytes(address: string): Uint8Array | undefined {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  if (!isIPv6(address)) return undefined;
  let text = address.split('%')[0]!.toLowerCase();
  const tail: number[] = [];
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail.push(...dotted[1]!.split('.').map(Number));
    text = `${text.slice(0, -dotted[1]!.length)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group || '0', 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** Parses `a.b.c.d/n` or `v6/n`; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, bits, extra] = text.split('/');
  if (address === undefined || bits === undefined || extra !== undefined || !/^\d{1,3}$/.test(bits)) return undefined;
  const bytes = addressBytes(address);
  const prefix = Number(bits);
  if (!bytes || prefix > bytes.length * 8) return undefined;
  return { bytes, prefix };
}

/** Whether `bytes` lies inside `cidr` (same family only). */
export function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

const block = (text: string, kind: AddressClass) => ({ cidr: parseCidr(text)!, kind });

// Order matters only for the reason reported; every listed block is refused.
const V4_BLOCKS = [
  block('0.0.0.0/8', 'unspecified'),
  block('10.0.0.0/8', 'private'),
  block('100.64.0.0/10', 'shared'), // carrier-grade NAT; also Alibaba's metadata address
  block('127.0.0.0/8', 'loopback'),
  block('169.254.0.0/16', 'link-local'), // cloud metadata (169.254.169.254)
  block('172.16.0.0/12', 'private'),
  block('192.0.0.0/24', 'reserved'),
  block('192.0.2.0/24', 'documentation'),
  block('192.88.99.0/24', 'reserved'),
  block('192.168.0.0/16', 'private'),
  block('198.18.0.0/15', 'reserved'),
  block('198.51.100.0/24', 'documentation'),
  block('203.0.113.0/24', 'documentation'),
  block('224.0.0.0/4', 'multicast'),
  block('240.0.0.0/4', 'reserved'), // includes 255.255.255.255
];

const V6_BLOCKS = [
  block('::/128', 'unspecified'),
  block('::1/128', 'loopback'),
  block('64:ff9b:1::/48', 'private'),
  block('100::/64', 'reserved'),
  block('2001::/23', 'reserved'),
  block('2001:db8::/32', 'documentation'),
  block('fc00::/7', 'unique-local'), // includes AWS's fd00:ec2::254
  block('fe80::/10', 'link-local'),
  block('fec0::/10', 'link-local'),
  block('ff00::/8', 'multicast'),
];

// IPv6 ranges that carry an IPv4 address: a private embedded address makes them private. The
// host-internal forms (mapped, SIIT-translated, compatible) are not globally reachable IPv6
// addresses at all, so they are refused even around a public IPv4 address (write that instead);
// NAT64 and 6to4 of a public address are how IPv6-only networks reach it, and pass.
const EMBEDDED_V4 = [
  { cidr: parseCidr('::ffff:0:0/96')!, offset: 12, internal: true }, // mapped
  { cidr: parseCidr('::ffff:0:0:0/96')!, offset: 12, internal: true }, // SIIT-translated
  { cidr: parseCidr('::/96')!, offset: 12, internal: true }, // compatible (deprecated)
  { cidr: parseCidr('64:ff9b::/96')!, offset: 12, internal: false }, // NAT64
  { cidr: parseCidr('2002::/16')!, offset: 2, internal: false }, // 6to4
];

/** Classifies an address (bytes from {@link addressBytes}); undefined means public. */
export function classifyAddress(bytes: Uint8Array): AddressClass | undefined {
  if (bytes.length === 4) return V4_BLOCKS.find((b) => inCidr(bytes, b.cidr))?.kind;
  for (const b of V6_BLOCKS.slice(0, 2)) if (inCidr(bytes, b.cidr)) return b.kind;
  for (const { cidr, offset, internal } of EMBEDDED_V4) {
    if (!inCidr(bytes, cidr)) continue;
    const embedded = classifyAddress(bytes.slice(offset, offset + 4));
    return embedded ?? (internal ? 'reserved' : undefined);
  }
  return V6_BLOCKS.find((b) => inCidr(bytes, b.cidr))?.kind;
}

/** Whether two byte forms are the same address, comparing IPv4-mapped IPv6 with IPv4. */
export function sameAddress(a: Uint8Array, b: Uint8Array): boolean {
  const plain = (x: Uint8Array) => (x.length === 16 && inCidr(x, EMBEDDED_V4[0]!.cidr) ? x.slice(12) : x);
  const [x, y] = [plain(a), plain(b)];
  return x.length === y.length && x.every((value, i) => value === y[i]);
}
