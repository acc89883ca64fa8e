/**
 * The parts of a browser page that `refreshOnWake` listens to, put on `globalThis` for a test in
 * Node: a `document` whose visibility the test sets, the window's `online` and `pageshow`, and
 * `navigator.onLine`.
 */
import { vi } from 'vitest';

export class FakePage {
  readonly document: EventTarget & { visibilityState: 'visible' | 'hidden' } = Object.assign(new EventTarget(), { visibilityState: 'visible' as const });
  readonly window = new EventTarget();
  readonly navigator = { onLine: true };

  /** Puts the page on `globalThis`; `vi.unstubAllGlobals()` takes it away. */
  install(): this {
    vi.stubGlobal('document', this.document);
    vi.stubGlobal('addEventListener', this.window.addEventListener.bind(this.window));
    vi.stubGlobal('removeEventListener', this.window.removeEventListener.bind(this.window));
    vi.stubGlobal('navigator', this.navigator);
    return this;
  }

  hide(): void {
    this.document.visibilityState = 'hidden';
    this.document.dispatchEvent(new Event('visibilitychange'));
  }

  show(): void {
    this.document.visibilityState = 'visible';
    this.document.dispatchEvent(new Event('visibilitychange'));
  }

  offline(): void {
    this.navigator.onLine = false;
    this.window.dispatchEvent(new Event('offline'));
  }

  online(): void {
    this.navigator.onLine = true;
    this.window.dispatchEvent(new Event('online'));
  }

  /** `pageshow`: `persisted` when the page comes back from the back-forward cache, not on a load. */
  pageshow(persisted: boolean): void {
    this.window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }));
  }
}
