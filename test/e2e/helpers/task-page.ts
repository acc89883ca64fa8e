import type { Page } from 'playwright-core';

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

  async tasks(): Promise<void> {
    await this.page.locator('#tasks-view').waitFor({ state: 'visible' });
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

  /** Waits for the outcome of the burst, which stays in the page when the session ended and hid it. */
  async burstResult(): Promise<string> {
    const result = this.page.locator('#burst-result', { hasText: 'succeeded' });
    await result.waitFor({ state: 'attached' });
    return (await result.textContent()) ?? '';
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

  async event(kind: string): Promise<string> {
    const entry = this.page.locator(`#events [data-kind="${kind}"]`).last();
    await entry.waitFor();
    return entry.innerText();
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
