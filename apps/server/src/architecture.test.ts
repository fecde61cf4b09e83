/**
 * The server's shape: no import cycle between its files, none between its folders, and no service
 * file longer than a few hundred lines. The workspace packages: no cycle between files or folders,
 * and no file of the cache's core longer than 350 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = dirname(fileURLToPath(import.meta.url));
const PACKAGES = join(ROOT, '..', '..', '..', 'packages');
const MAX_SERVICE_LINES = 300;
const MAX_CACHE_CORE_LINES = 350;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

// Static, re-exporting and dynamic imports of relative paths, type-only ones included: a layer
// that names another's types depends on it as much as one that calls it.
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** File → the files it imports (relative to `root`). */
function importGraph(root = ROOT): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)]
      .map((match) => resolve(dirname(file), match[1] ?? match[2]!))
      .filter((target) => target.startsWith(root))
      .map((target) => relative(root, target));
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one node (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let popped: string;
      do {
        popped = stack.pop()!;
        onStack.delete(popped);
        component.push(popped);
      } while (popped !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

/**
 * The folder of a file (`http/routes/teams.ts` → `http/`); a file at the top (the composition root,
 * the entry points, config and errors) stands for itself.
 */
const folderOf = (file: string): string => (file.includes('/') ? `${file.split('/')[0]}/` : file);

/** The imports between folders, each edge with the file imports that make it. */
function folderGraph(graph: Map<string, string[]>): Map<string, string[]> {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const edges = folders.get(from) ?? new Set<string>();
    folders.set(from, edges);
    for (const target of targets) {
      const to = folderOf(target);
      if (to !== from) edges.add(to);
    }
  }
  return new Map([...folders].map(([folder, edges]) => [folder, [...edges]]));
}


describe('apps/server structure', () => {
  const graph = importGraph();

  it('reads the imports it checks (the parser is not blind)', () => {
    expect(graph.get('server.ts')).toContain('config.ts');
    expect(graph.size).toBeGreaterThan(30);
  });

  it('has no import cycle between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(folderGraph(graph))).toEqual([]);
  });

  it('keeps the cache folder to setting up the cache', () => {
    const files = [...graph.keys()].filter((file) => file.startsWith('cache/')).sort();
    expect(files).toEqual(['cache/bus-down.ts', 'cache/server-cache.ts', 'cache/warmer.ts']);
  });

  it('keeps every service file under 300 lines', () => {
    const long = sources(join(ROOT, 'services'))
      .map((file) => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter((entry) => entry.lines > MAX_SERVICE_LINES);
    expect(long).toEqual([]);
  });

  it('writes no route path outside the route table (server and dashboard)', () => {
    const apps = join(ROOT, '..', '..');
    const files = [...sources(ROOT), ...sources(join(apps, 'web', 'src'))].filter(
      (file) => !file.includes(`${join('src', 'e2e')}/`) && !file.includes(`${join('src', 'testing')}/`),
    );
    const literal = /['"`]\/(api|metrics)(\/|['"`?$])/;
    const comment = /^\s*(\/\/|\/\*|\*)/;
    const code = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !comment.test(line));
    const found = files
      .filter((file) => code(file).some((line) => literal.test(line)))
      .map((file) => relative(apps, file));
    expect(files.length).toBeGreaterThan(100);
    expect(found).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const fake = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(fake)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    const folders = new Map([
      ['a/x.ts', ['b/y.ts']],
      ['b/y.ts', ['c/z.ts']],
      ['c/z.ts', ['a/w.ts']],
      ['a/w.ts', []],
    ]);
    expect(cycles(folderGraph(folders))).toEqual([['a/', 'b/', 'c/']]);
  });
});

describe.each(readdirSync(PACKAGES))('packages/%s structure', (name) => {
  const root = join(PACKAGES, name, 'src');
  const graph = importGraph(root);

  it('has no import cycle between files', () => {
    expect(graph.size).toBeGreaterThan(3);
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(folderGraph(graph))).toEqual([]);
  });

  it.runIf(name === 'cache')('keeps every file of the core under 350 lines', () => {
    const long = sources(join(root, 'core'))
      .map((file) => ({ file: relative(root, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter((entry) => entry.lines > MAX_CACHE_CORE_LINES);
    expect(long).toEqual([]);
  });
});
