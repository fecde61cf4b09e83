import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowEntryFor, OutboundForbiddenError, OutboundGuard, parseAllowList, type Resolver } from './outbound.ts';
import { outboundFetch } from './outbound-fetch.ts';

// A test resolver: names map to fixed addresses; anything else does not exist.
const hosts =
  (table: Record<string, string[]>): Resolver =>
  async (name) => {
    const list = table[name];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const FORBIDDEN = [
  'http://127.0.0.1/',
  'http://127.1.2.3:8080/',
  'http://[::1]/',
  'http://0.0.0.0/',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/',
  'http://172.16.5.4/',
  'http://192.168.1.1/',
  'http://100.100.100.200/', // Alibaba metadata (shared address space)
  'http://2130706433/', // decimal 127.0.0.1
  'http://0x7f.1/', // hex and short forms
  'http://017700000001/', // octal
  'http://[::ffff:127.0.0.1]/', // IPv4-mapped
  'http://[::ffff:a9fe:a9fe]/', // mapped 169.254.169.254
  'http://[::ffff:808:808]/', // mapped, even of a public address (8.8.8.8): not a routable IPv6 address
  'http://[::ffff:0:0]/', // mapped 0.0.0.0
  'http://[::ffff:0:7f00:1]/', // SIIT-translated 127.0.0.1
  'http://[::127.0.0.1]/', // IPv4-compatible
  'http://[64:ff9b::a00:1]/', // NAT64 of 10.0.0.1
  'http://[2002:7f00:1::]/', // 6to4 of 127.0.0.1
  'http://[fd00:ec2::254]/', // AWS metadata over IPv6 (unique-local)
  'http://[fe80::1]/',
  'http://[ff02::1]/',
  'http://224.0.0.251/',
  'http://255.255.255.255/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata/',
  'http://localhost:6379/',
  'http://redis.localhost/',
];

describe('outbound guard', () => {
  const guard = new OutboundGuard({ resolve: hosts({ 'api.github.com': ['140.82.112.6'] }) });

  it.each(FORBIDDEN)('refuses %s', async (url) => {
    await expect(guard.check(url)).rejects.toBeInstanceOf(OutboundForbiddenError);
  });

  it('lets public addresses and names through', async () => {
    await guard.check('https://api.github.com/repos/a/b');
    await guard.check('https://8.8.8.8/');
    await guard.check('http://[2606:4700::1111]/');
  });

  it('refuses a public-looking name that resolves to a private address, in any of its addresses', async () => {
    const tricky = new OutboundGuard({
      resolve: hosts({ 'evil.example.com': ['127.0.0.1'], 'mixed.example.com': ['140.82.112.6', '10.1.2.3'] }),
    });
    await expect(tricky.check('https://evil.example.com/')).rejects.toThrow(
      /evil\.example\.com \(127\.0\.0\.1\) is a loopback/,
    );
    await expect(tricky.check('https://mixed.example.com/')).rejects.toThrow(/private-network/);
  });

  it('names the reason and the way out', async () => {
    await expect(guard.check('http://169.254.169.254/')).rejects.toThrow(
      '169.254.169.254 is a link-local (cloud metadata) address; outbound requests only go to the public internet (OUTBOUND_ALLOW lists exceptions)',
    );
  });

  it('refuses user info and other schemes', async () => {
    await expect(guard.check('https://user:pw@api.github.com/')).rejects.toBeInstanceOf(OutboundForbiddenError);
    await expect(guard.check('file:///etc/passwd')).rejects.toBeInstanceOf(OutboundForbiddenError);
  });

  it('allows exactly what OUTBOUND_ALLOW lists: host:port (by name or address) and CIDR blocks', async () => {
    const allowing = new OutboundGuard({
      allow: parseAllowList('jira.corp:8443, 127.0.0.1:4010 10.20.0.0/16,[::1]:9000'),
      resolve: hosts({ 'jira.corp': ['10.9.9.9'] }),
    });
    await allowing.check('https://jira.corp:8443/');
    await allowing.check('http://127.0.0.1:4010/');
    await allowing.check('http://[::ffff:127.0.0.1]:4010/');
    await allowing.check('http://10.20.3.4:1234/');
    await allowing.check('http://[::1]:9000/');
    await expect(allowing.check('https://jira.corp/')).rejects.toThrow(OutboundForbiddenError);
    await expect(allowing.check('http://127.0.0.1:4011/')).rejects.toThrow(OutboundForbiddenError);
    await expect(allowing.check('http://10.21.0.1/')).rejects.toThrow(OutboundForbiddenError);
  });

  it('rejects malformed allow entries by name', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow('"10.0.0.0/33" is not a CIDR block');
    expect(() => parseAllowList('jira.corp')).toThrow('"jira.corp" is not host:port');
    expect(() => parseAllowList('::1:80')).toThrow('is not host:port');
    expect(parseAllowList(undefined)).toEqual([]);
    expect(allowEntryFor('http://127.0.0.1:4010/x')).toBe('127.0.0.1:4010');
    expect(allowEntryFor('https://example.com')).toBe('example.com:443');
  });

  it('lets an unresolvable name be saved, but not requested', async () => {
    await guard.check('https://nowhere.example/', { resolveNames: false });
    await expect(guard.check('https://nowhere.example/')).rejects.toThrow(/could not be resolved/);
  });
});

describe('guarded fetch', () => {
  let listener: Server;
  let port = 0;
  let connections = 0;

  beforeAll(async () => {
    listener = createServer((request, response) => {
      const gzip = /gzip/.test(request.headers['accept-encoding'] ?? '');
      if (request.url === '/bomb') {
        // 8 MiB of zeros per chunk, gzipped, until the client gives up (or 100 chunks).
        response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        const zip = createGzip();
        zip.pipe(response);
        let sent = 0;
        const more = () => {
          while (sent < 100 && zip.write(Buffer.alloc(8 * 1024 * 1024))) sent++;
          if (sent >= 100) zip.end();
        };
        zip.on('drain', () => {
          sent++;
          more();
        });
        response.on('close', () => zip.destroy());
        more();
        return;
      }
      if (request.url === '/big' && gzip) {
        response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        response.end(gzipSync(JSON.stringify({ items: Array.from({ length: 1000 }, (_, i) => ({ i })) })));
        return;
      }
      response.end('{"ok":true}');
    });
    listener.on('connection', () => connections++);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  it('checks the address it connects to, so a name re-resolving to loopback never connects', async () => {
    // First resolution (the up-front check) says public; the connection's own lookup says loopback.
    let calls = 0;
    const rebinding: Resolver = async () => [
      calls++ === 0 ? { address: '140.82.112.6', family: 4 } : { address: '127.0.0.1', family: 4 },
    ];
    const fetchIt = outboundFetch(new OutboundGuard({ resolve: rebinding }));
    const before = connections;
    await expect(fetchIt(`http://rebind.example:${port}/`, { method: 'GET', headers: {} })).rejects.toBeInstanceOf(
      OutboundForbiddenError,
    );
    expect(calls).toBe(2);
    expect(connections).toBe(before);
  });

  it('reaches an allowed loopback listener by name', async () => {
    const fetchIt = outboundFetch(
      new OutboundGuard({
        allow: parseAllowList(`127.0.0.1:${port}`),
        resolve: hosts({ 'sim.example': ['127.0.0.1'] }),
      }),
    );
    const response = await fetchIt(`http://sim.example:${port}/`, { method: 'GET', headers: {} });
    expect(await response.json()).toEqual({ ok: true });
  });

  it('asks for gzip and hands on the decoded body, keeping the size that crossed the network', async () => {
    const fetchIt = outboundFetch(new OutboundGuard({ allow: parseAllowList(`127.0.0.1:${port}`) }));
    const response = await fetchIt(`http://127.0.0.1:${port}/big`, { method: 'GET', headers: {} });
    const body = (await response.json()) as { items: unknown[] };
    expect(body.items).toHaveLength(1000);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(Number(response.headers.get('content-length'))).toBeLessThan(JSON.stringify(body).length / 2);
  });

  it('fails an answer that decodes to more than the bound, instead of filling memory', async () => {
    const fetchIt = outboundFetch(new OutboundGuard({ allow: parseAllowList(`127.0.0.1:${port}`) }));
    const response = await fetchIt(`http://127.0.0.1:${port}/bomb`, { method: 'GET', headers: {} });
    await expect(response.arrayBuffer()).rejects.toThrow();
  });
});
