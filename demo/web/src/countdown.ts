/** Where every tab of the app, and the page after a reload, finds when the access token expires. */
const STORED = 'task-app.access-expires-at';

function stored(): number | undefined {
  const value = Number(localStorage.getItem(STORED) ?? Number.NaN);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Shows how long the access token has left. The token sits in an HttpOnly cookie that
 * scripts cannot read, so the time comes from the `expires_in` of the last log-in or refresh.
 * It is kept in `localStorage` too: a tab opened later starts from it, where it would
 * otherwise know nothing until its own next refresh.
 */
export class Countdown {
  #expiresAt: number | undefined = stored();

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
    this.#set(at);
  }

  /** The server just issued an access token that lives `seconds`. */
  issued(seconds: number): void {
    this.#set(Date.now() + seconds * 1000);
  }

  forget(): void {
    this.#set(undefined);
  }

  #set(at: number | undefined): void {
    this.#expiresAt = at;
    if (at === undefined) localStorage.removeItem(STORED);
    else localStorage.setItem(STORED, String(at));
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
