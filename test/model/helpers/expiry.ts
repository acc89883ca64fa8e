/** A point in a run: on the clock `Date.now()` reads, and in the order of events (World.order). */
export interface Moment {
  readonly time: number;
  readonly order: number;
}

interface Known {
  /** On the clock `Date.now()` reads, as `expiresAt` returns it. */
  readonly expiresAt: number;
  /** In the order of events; -1 for the token the app starts with. */
  readonly storedAt: number;
  /**
   * A refresh stored it already within the margin: the library trusts 401s for it instead of
   * refreshing before every request.
   */
  readonly ignored: boolean;
  /** A refresh stored it already expired: ignored for good, since every refresh would give the same. */
  readonly expiredWhenStored: boolean;
}

/**
 * What the app knows about when each access token it stored expires, as `expiresAt` tells the
 * library, and which tokens a request may therefore go out with.
 */
export class KnownExpiries {
  private readonly tokens = new Map<string, Known>();
  /** What the latest refresh stored: the library knows it by its expiry alone. */
  private handed: Known | undefined;

  constructor(
    readonly margin: number,
    /** Where schedule time starts on the `Date.now()` clock, to print times as the trace does. */
    private readonly origin: number,
  ) {}

  /** `refreshedAt`: the time a refresh stored it, for a token that did not come with the app. */
  learn(token: string, expiresAt: number, storedAt: number, refreshedAt?: number): void {
    const ignored = refreshedAt !== undefined && refreshedAt >= expiresAt - this.margin;
    const known = { expiresAt, storedAt, ignored, expiredWhenStored: refreshedAt !== undefined && refreshedAt >= expiresAt };
    this.tokens.set(token, known);
    if (refreshedAt !== undefined) this.handed = known;
  }

  expiresAt(token: string): number | undefined {
    return this.tokens.get(token)?.expiresAt;
  }

  /**
   * Whether a request about to go out with `token` at `time` must first wait for a refresh. The
   * library tells tokens apart by their expiry only: a log-in's token that expires when the one
   * the latest refresh stored within the margin does is trusted as that one is, until it expires.
   */
  due(token: string, time: number): boolean {
    const known = this.tokens.get(token);
    if (known === undefined) return false;
    // Ignored within the margin until it expires, unless it came expired.
    const by = known.ignored ? known : this.handed?.ignored === true && this.handed.expiresAt === known.expiresAt ? this.handed : undefined;
    if (by) return !by.expiredWhenStored && time >= known.expiresAt;
    return time >= known.expiresAt - this.margin;
  }

  describe(token: string): string {
    const known = this.tokens.get(token);
    if (!known) return `${token} (expiry unknown)`;
    return `${token} (expires at ${known.expiresAt - this.origin} ms${known.ignored ? ', within the margin when stored' : ''})`;
  }

  /**
   * Why an attempt should not have gone out with `token`, or `undefined` when it may have.
   * `looked` is no later than the moment the library decided to send the attempt (its start,
   * or the return of the 401 that led to the retry), and `time` the moment that counts: the
   * send itself when client and clock are one (in memory nothing runs between the decision and
   * the send), else `looked.time`. A token stored after `looked` came from a refresh the attempt
   * waited for, which it goes out with whatever its lifetime.
   */
  misuse(token: string, looked: Moment, time: number): string | undefined {
    const known = this.tokens.get(token);
    if (!known || known.storedAt >= looked.order || !this.due(token, time)) return undefined;
    return `went out with ${this.describe(token)}, stored before the library looked at the request and within the ${this.margin} ms margin at ${time - this.origin} ms`;
  }
}
