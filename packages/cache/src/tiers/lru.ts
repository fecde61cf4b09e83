/**
 * A small LRU map bounded by entry count and by total size: the memory tier's store. Written
 * here instead of using lru-cache for size: the memory tier ships in the browser bundle, where
 * lru-cache alone (18 KB minified, most of it TTL and fetch machinery the tier does not use)
 * would be more than the rest of the cache. Recency is a doubly linked list through the nodes:
 * a hit is one map lookup and a few pointer moves.
 */

interface Node<V> {
  readonly key: string;
  value: V;
  size: number;
  /** The next more recently used node. */
  newer: Node<V> | undefined;
  /** The next less recently used node. */
  older: Node<V> | undefined;
}

/** See the file comment. */
export class Lru<V> {
  readonly #nodes = new Map<string, Node<V>>();
  /** The most recently used node. */
  #newest: Node<V> | undefined;
  /** The least recently used node: the next to be evicted. */
  #oldest: Node<V> | undefined;
  #totalSize = 0;

  /**
   * `evicted` is told each key dropped to make room (not deletes, clears or overwrites).
   */
  constructor(
    readonly maxEntries: number,
    readonly maxSize: number,
    readonly evicted: (key: string) => void,
  ) {}

  /** Entries held. */
  get size(): number {
    return this.#nodes.size;
  }

  /** Sum of the sizes of the entries held. */
  get totalSize(): number {
    return this.#totalSize;
  }

  /** The value of `key`, now the most recently used. */
  get(key: string): V | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    if (node !== this.#newest) {
      this.#unlink(node);
      this.#pushNewest(node);
    }
    return node.value;
  }

  /** The value of `key`, leaving recency alone. */
  peek(key: string): V | undefined {
    return this.#nodes.get(key)?.value;
  }

  /** Stores `value` as the most recently used, then evicts the least recently used past the bounds. */
  set(key: string, value: V, size: number): void {
    let node = this.#nodes.get(key);
    if (node === undefined) {
      node = { key, value, size, newer: undefined, older: undefined };
      this.#nodes.set(key, node);
    } else {
      this.#totalSize -= node.size;
      node.value = value;
      node.size = size;
      this.#unlink(node);
    }
    this.#totalSize += size;
    this.#pushNewest(node);
    while (
      this.#oldest !== node &&
      (this.#nodes.size > this.maxEntries || this.#totalSize > this.maxSize) &&
      this.#oldest !== undefined
    ) {
      const oldest = this.#oldest;
      this.#remove(oldest);
      this.evicted(oldest.key);
    }
  }

  /** Removes `key`; whether it was there. */
  delete(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#remove(node);
    return true;
  }

  clear(): void {
    this.#nodes.clear();
    this.#newest = undefined;
    this.#oldest = undefined;
    this.#totalSize = 0;
  }

  /** Keys and values, most recently used first (a snapshot: safe to delete while iterating). */
  entries(): [string, V][] {
    const out: [string, V][] = [];
    for (let node = this.#newest; node !== undefined; node = node.older) out.push([node.key, node.value]);
    return out;
  }

  /** Keys and the size each was set with, most recently used first (a snapshot). */
  sizes(): [string, number][] {
    const out: [string, number][] = [];
    for (let node = this.#newest; node !== undefined; node = node.older) out.push([node.key, node.size]);
    return out;
  }

  /** Keys, most recently used first (a snapshot). */
  keys(): string[] {
    const out: string[] = [];
    for (let node = this.#newest; node !== undefined; node = node.older) out.push(node.key);
    return out;
  }

  #remove(node: Node<V>): void {
    this.#nodes.delete(node.key);
    this.#unlink(node);
    this.#totalSize -= node.size;
  }

  #unlink(node: Node<V>): void {
    if (node.newer === undefined) this.#newest = node.older;
    else node.newer.older = node.older;
    if (node.older === undefined) this.#oldest = node.newer;
    else node.older.newer = node.newer;
    node.newer = undefined;
    node.older = undefined;
  }

  #pushNewest(node: Node<V>): void {
    node.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = node;
    else this.#newest.newer = node;
    this.#newest = node;
  }
}
