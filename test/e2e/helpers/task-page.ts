import type { Page } from 'playwright-core';

/** An entry of the page's event log. */
export interface LogEntry {
  /** A session event's type (`refresh-started`, `session-ended`…), or `burst`, `info`, `error`. */
  kind: string;
  /** For `session-ended`: `server`, `app` or `other-tab`. */
  by: string | undefined;
  /** The text after the time. */
  text: string;
}

/** What the page says about the access token. */
export interface CountdownState {
  state: 'unknown' | 'valid' | 'expired';
  /** Seconds left, while valid. */
  secondsLeft: number | undefined;
}

/** A stretch or a moment of a lane of the burst timeline, in ms since the burst began. */
export interface TimelinePiece {
  kind: string;
  from: number;
  /** Undefined for a moment, such as a 401 or `done`. */
  to: number | undefined;
}

/** A lane of the burst timeline: the refresh's, or one request's. */
export interface TimelineLane {
  lane: 'refresh' | 'request';
  /** For the refresh lane: `this-tab`, `another-tab` or `none`. */
  by: string | undefined;
  pieces: TimelinePiece[];
}

/** What a person does on the task list page, by what they see. */
export class TaskPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.loginForm();
  }

  /** Opens the app in a tab of a browser that is already logged in. */
  async openLoggedIn(url: string): Promise<void> {
    await this.page.goto(url);
    await this.tasks();
  }

  async loginForm(): Promise<void> {
    await this.page.locator('#login-form').waitFor({ state: 'visible' });
  }

  async signUp(email: string, password: string): Promise<void> {
    await this.#fillCredentials(email, password);
    await this.#click('#login-form button[value=create]');
    await this.tasks();
  }

  async logIn(email: string, password: string): Promise<void> {
    await this.#fillCredentials(email, password);
    await this.#click('#login-form button[value=login]');
    await this.tasks();
  }

  /** Waits for the task list, loaded: a request still on its way would meet a clock the test moves next. */
  async tasks(): Promise<void> {
    await this.page.locator('#tasks-view').waitFor({ state: 'visible' });
    await this.page.locator('#tasks[aria-busy="false"]').waitFor({ state: 'attached' });
  }

  /** Waits until the page's countdown says the access token has expired. */
  async accessExpired(): Promise<void> {
    await this.page.locator('#countdown[data-state="valid"]').waitFor();
    await this.page.locator('#countdown[data-state="expired"]').waitFor();
  }

  async addTask(title: string): Promise<void> {
    await this.page.fill('#task-form input[name=title]', title);
    await this.#click('#task-form button[type=submit]');
  }

  async task(title: string, state: 'visible' | 'detached' = 'visible'): Promise<void> {
    await this.page.locator('#tasks li', { hasText: title }).waitFor({ state });
  }

  async deleteTask(title: string): Promise<void> {
    await this.page.bringToFront();
    await this.page.locator('#tasks li', { hasText: title }).locator('button').click();
  }

  async burst(): Promise<string> {
    await this.startBurst();
    return this.burstResult();
  }

  async startBurst(): Promise<void> {
    await this.#click('#burst');
  }

  /** Waits for the one-line outcome of the burst, which stays in the page when the session ended and hid it. */
  async burstResult(): Promise<string> {
    const result = this.page.locator('#burst-result[data-state="done"]');
    await result.waitFor({ state: 'attached' });
    return (await result.textContent()) ?? '';
  }

  /** Logs in with the demo account the log-in form offers, by its button. */
  async useDemoAccount(): Promise<void> {
    await this.#click('#use-demo');
    await this.tasks();
  }

  /** What the log-in form says went wrong, once it says something. */
  async loginError(): Promise<string> {
    const error = this.page.locator('#login-error');
    await expectText(error);
    return (await error.textContent()) ?? '';
  }

  /** Sends the same burst through the hand-written `_retry` interceptor, and waits for its outcome line. */
  async lessonBurst(): Promise<string> {
    await this.#click('#burst-lesson');
    const result = this.page.locator('#burst-lesson-result[data-state="done"]');
    await result.waitFor({ state: 'attached' });
    return (await result.textContent()) ?? '';
  }

  /** The timeline of the last burst, lane by lane, the refreshes' first; `#timeline-lesson` for the hand-written one. */
  timeline(figure = '#timeline'): Promise<TimelineLane[]> {
    return this.page.locator(`${figure} .lane`).evaluateAll((lanes) =>
      lanes.map((lane) => {
        const data = lane instanceof HTMLElement ? lane.dataset : {};
        return {
          lane: data.lane === 'refresh' ? ('refresh' as const) : ('request' as const),
          by: data.by,
          pieces: Array.from(lane.querySelectorAll('.track > *')).map((piece) => {
            const at = piece instanceof HTMLElement ? piece.dataset : {};
            return { kind: at.kind ?? '', from: Number(at.from), to: at.to === undefined ? undefined : Number(at.to) };
          }),
        };
      }),
    );
  }

  async countdown(): Promise<CountdownState> {
    return this.page.locator('#countdown').evaluate((element) => {
      const state = element instanceof HTMLElement ? element.dataset.state : undefined;
      const seconds = /expires in ([\d.]+) s/.exec(element.textContent)?.[1];
      return {
        state: state === 'valid' || state === 'expired' ? state : 'unknown',
        secondsLeft: seconds === undefined ? undefined : Number(seconds),
      };
    });
  }

  async logOut(): Promise<void> {
    await this.#click('#logout');
  }

  /** How many entries of each kind the event log has now. */
  eventCounts(): Promise<Record<string, number>> {
    return this.page.locator('#events li').evaluateAll((items) => {
      const counts: Record<string, number> = {};
      for (const item of items) {
        const kind = item instanceof HTMLElement ? (item.dataset.kind ?? '') : '';
        counts[kind] = (counts[kind] ?? 0) + 1;
      }
      return counts;
    });
  }

  /** Waits for an entry of `kind` and returns the text of the last one, after its time. */
  async event(kind: string): Promise<string> {
    const entry = this.page.locator(`#events [data-kind="${kind}"]`).last();
    await entry.waitFor();
    return withoutTime(await entry.innerText());
  }

  /** The event log as it is now. */
  log(): Promise<LogEntry[]> {
    return this.page.locator('#events li').evaluateAll((items) =>
      items.map((item) => {
        const data = item instanceof HTMLElement ? item.dataset : {};
        return { kind: data.kind ?? '', by: data.by, text: item.textContent.replace(/^\S+ /, '') };
      }),
    );
  }

  /**
   * Clicks like a person, in the tab in front: Chromium barely paints the tabs behind, and
   * playwright waits for a painted frame before it clicks.
   */
  async #click(selector: string): Promise<void> {
    await this.page.bringToFront();
    await this.page.click(selector);
  }

  async #fillCredentials(email: string, password: string): Promise<void> {
    await this.page.fill('#login-form input[name=email]', email);
    await this.page.fill('#login-form input[name=password]', password);
  }
}

async function expectText(locator: ReturnType<Page['locator']>): Promise<void> {
  await locator.filter({ hasText: /\S/ }).waitFor();
}

/** `12:00:01.234 logged out` -> `logged out`. */
function withoutTime(text: string): string {
  return text.replace(/^\d\d:\d\d:\d\d\.\d{3} /, '');
}
