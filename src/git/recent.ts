// A map that keeps only its most recently used entries. Map iteration order is insertion order,
// so re-inserting on every use makes the first key the least recently used one.
export class RecentMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #keep: number;

  constructor(keep: number) {
    this.#keep = keep;
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) this.set(key, value);
    return value;
  }

  /** Stores (or refreshes) `key` as the most recent, dropping the oldest beyond `keep`. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    for (const old of this.#entries.keys()) {
      if (this.#entries.size <= this.#keep) break;
      this.#entries.delete(old);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }
}
