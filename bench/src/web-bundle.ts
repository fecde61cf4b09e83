/**
 * The dashboard's bundle report: builds the dashboard into a temporary folder and reads Vite's
 * manifest into a chunk map (every chunk: what it holds, raw, gzip and brotli bytes, which pages
 * need it) and the JavaScript each page downloads (the entry, the page's own chunk and the chunks
 * they import, and for a logged-in user's page the signed-in app too; not the ones loaded later on
 * demand). Fails when the login page needs more than
 * {@link LOGIN_JS_TARGET_BYTES} gzipped. `npm run bundle:web --workspace=bench` rewrites the
 * "Dashboard bundle" section of RESULTS.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildDashboard } from '../../apps/web/src/node/build.ts';
import { replaceSection, table } from './report.ts';

/** The most the login page's JavaScript may weigh, gzipped. */
export const LOGIN_JS_TARGET_BYTES = 100 * 1024;

interface ManifestChunk {
  file: string;
  src?: string;
  name?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

/** The logged-in user's app shell and the session module it loads (manifest keys). */
const SIGNED_IN_APP = 'src/SignedInApp.tsx';
const SIGNED_IN_MODULE = 'src/app/signed-in.ts';

/** One chunk of the build. */
export interface ChunkSize {
  file: string;
  /** The source it starts from (a page, the entry) or the shared name Rollup gave it. */
  holds: string;
  raw: number;
  gzip: number;
  brotli: number;
  /** The pages that download it. */
  pages: string[];
}

/** The report. */
export interface WebBundle {
  chunks: ChunkSize[];
  /** Per page: the JavaScript it downloads, raw and compressed. */
  pages: { page: string; raw: number; gzip: number; brotli: number }[];
}

/** Builds the dashboard and measures it. */
export async function measureWebBundle(): Promise<WebBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'agiletrack-web-bundle-'));
  try {
    await buildDashboard(dir);
    const manifest = JSON.parse(readFileSync(join(dir, '.vite/manifest.json'), 'utf8')) as Record<
      string,
      ManifestChunk
    >;
    const sizes = new Map<string, { raw: number; gzip: number; brotli: number }>();
    const sizeOf = (file: string) => {
      let size = sizes.get(file);
      if (size === undefined) {
        const bytes = readFileSync(join(dir, file));
        size = {
          raw: bytes.length,
          gzip: gzipSync(bytes, { level: 9 }).length,
          brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
        };
        sizes.set(file, size);
      }
      return size;
    };
    // The chunks a key needs at once: itself and its static imports, transitively.
    const closure = (key: string, into = new Set<string>()) => {
      if (into.has(key)) return into;
      into.add(key);
      for (const imported of manifest[key]?.imports ?? []) closure(imported, into);
      return into;
    };
    const entry = Object.keys(manifest).find((key) => manifest[key]!.isEntry)!;
    const pageKeys = Object.keys(manifest).filter((key) => /src\/pages\/\w+\.tsx$/.test(key));
    // A logged-in user's pages come with the signed-in app (its layout, the API client and the
    // caches); the login and reset pages without.
    const signedIn = new Set<string>();
    for (const app of [SIGNED_IN_APP, SIGNED_IN_MODULE]) if (manifest[app]) closure(app, signedIn);
    const signedInPages = new Set(manifest[SIGNED_IN_APP]?.dynamicImports ?? []);
    const pagesOf = new Map<string, string[]>();
    const pages = pageKeys.map((key) => {
      const page = /(\w+)Page\.tsx$/.exec(key)?.[1] ?? key;
      const needed = closure(key, closure(entry, signedInPages.has(key) ? new Set(signedIn) : new Set()));
      for (const chunk of needed) pagesOf.set(chunk, [...(pagesOf.get(chunk) ?? []), page]);
      const total = { raw: 0, gzip: 0, brotli: 0 };
      for (const chunk of needed) {
        const size = sizeOf(manifest[chunk]!.file);
        total.raw += size.raw;
        total.gzip += size.gzip;
        total.brotli += size.brotli;
      }
      return { page, ...total };
    });
    const chunks = Object.entries(manifest)
      .filter(([, chunk]) => chunk.file.endsWith('.js'))
      .map(([key, chunk]) => ({
        file: chunk.file.replace(/^assets\//, ''),
        holds: chunk.src ?? chunk.name ?? key,
        ...sizeOf(chunk.file),
        pages: pagesOf.get(key) ?? [],
      }))
      .sort((a, b) => b.raw - a.raw);
    return { chunks, pages: pages.sort((a, b) => a.page.localeCompare(b.page)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** The login page's JavaScript, gzipped. */
export const loginGzip = (bundle: WebBundle): number => bundle.pages.find((p) => p.page === 'Login')?.gzip ?? 0;

/** The RESULTS.md section. */
export function renderWebBundle(bundle: WebBundle, at: Date): string {
  const login = loginGzip(bundle);
  const allPages = bundle.pages.length;
  return [
    '## Dashboard bundle',
    '',
    `Measured ${at.toISOString()}: the production build (Vite), each JavaScript chunk with its size raw, gzip -9 ` +
      'and brotli 11 (the server sends the precompressed `.br` / `.gz` files the build writes, as the browser asks). ' +
      "A page downloads the entry, its own chunk and their static imports, and a logged-in user's page the " +
      'signed-in app (`SignedInApp.tsx`, `app/signed-in.ts`: layout, API client and route table, caches) with its ' +
      'imports; other pages, the admin pages and the charts come on demand. Reproduce with `npm run bundle:web --workspace=bench`, which rewrites this section.',
    '',
    `- Login page JavaScript: **${kb(login)} gzipped** — ${login <= LOGIN_JS_TARGET_BYTES ? 'within' : 'over'} the ` +
      `${kb(LOGIN_JS_TARGET_BYTES)} target.`,
    '',
    ...table(
      [
        ['page', 'left'],
        ['JS raw', 'right'],
        ['gzip', 'right'],
        ['brotli', 'right'],
      ],
      bundle.pages.map((p) => [p.page, kb(p.raw), kb(p.gzip), kb(p.brotli)]),
    ),
    '',
    'Chunk map:',
    '',
    ...table(
      [
        ['chunk', 'left'],
        ['holds', 'left'],
        ['raw', 'right'],
        ['gzip', 'right'],
        ['brotli', 'right'],
        ['pages that load it', 'left'],
      ],
      bundle.chunks.map((c) => [
        c.file,
        c.holds.replace(/^.*?src\//, ''),
        kb(c.raw),
        kb(c.gzip),
        kb(c.brotli),
        c.pages.length === allPages ? 'all' : c.pages.length === 0 ? 'on demand' : c.pages.join(', '),
      ]),
    ),
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bundle = await measureWebBundle();
  const file = process.env.BENCH_OUT || join(fileURLToPath(new URL('..', import.meta.url)), 'RESULTS.md');
  const { existsSync, writeFileSync } = await import('node:fs');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  writeFileSync(file, replaceSection(text, '## Dashboard bundle', renderWebBundle(bundle, new Date())));
  const login = loginGzip(bundle);
  process.stdout.write(`login page JS: ${login} bytes gzipped; wrote ${file}\n`);
  if (login > LOGIN_JS_TARGET_BYTES) process.exitCode = 1;
}
