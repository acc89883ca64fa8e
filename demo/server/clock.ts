/**
 * The server's idea of now. Tests move it forward to expire tokens at once instead of
 * sleeping through their lifetimes.
 */
export class Clock {
  #offset = 0;

  now(): number {
    return Date.now() + this.#offset;
  }

  advance(ms: number): void {
    this.#offset += ms;
  }
}
