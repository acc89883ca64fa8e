/**
 * Shows how long the access token has left. The token sits in an HttpOnly cookie that
 * scripts cannot read, so the time comes from the `expires_in` of the last log-in or refresh.
 */
export class Countdown {
  #expiresAt: number | undefined;

  constructor(readonly element: HTMLElement) {
    this.#draw();
    setInterval(() => {
      this.#draw();
    }, 100);
  }

  /** When the access token expires (epoch milliseconds), if known. */
  get expiresAt(): number | undefined {
    return this.#expiresAt;
  }

  /** Another tab learnt when the access token expires. */
  set expiresAt(at: number | undefined) {
    this.#expiresAt = at;
    this.#draw();
  }

  /** The server just issued an access token that lives `seconds`. */
  issued(seconds: number): void {
    this.#expiresAt = Date.now() + seconds * 1000;
    this.#draw();
  }

  forget(): void {
    this.#expiresAt = undefined;
    this.#draw();
  }

  #draw(): void {
    const left = this.#expiresAt === undefined ? undefined : this.#expiresAt - Date.now();
    const state = left === undefined ? 'unknown' : left > 0 ? 'valid' : 'expired';
    this.element.dataset.state = state;
    this.element.textContent =
      left === undefined
        ? 'Access token: lifetime unknown until the next log-in or refresh'
        : left > 0
          ? `Access token expires in ${(left / 1000).toFixed(1)} s`
          : 'Access token expired: the next request refreshes it';
  }
}
