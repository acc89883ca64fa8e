import type { Page } from 'playwright-core';

/** What a person does on the task list page, by what they see. */
export class TaskPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.loginForm();
  }

  async loginForm(): Promise<void> {
    await this.page.locator('#login-form').waitFor({ state: 'visible' });
  }

  async signUp(email: string, password: string): Promise<void> {
    await this.#fillCredentials(email, password);
    await this.page.click('#login-form button[value=create]');
    await this.tasks();
  }

  async logIn(email: string, password: string): Promise<void> {
    await this.#fillCredentials(email, password);
    await this.page.click('#login-form button[value=login]');
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
    await this.page.click('#task-form button[type=submit]');
  }

  async task(title: string, state: 'visible' | 'detached' = 'visible'): Promise<void> {
    await this.page.locator('#tasks li', { hasText: title }).waitFor({ state });
  }

  async deleteTask(title: string): Promise<void> {
    await this.page.locator('#tasks li', { hasText: title }).locator('button').click();
  }

  async burst(): Promise<string> {
    await this.page.click('#burst');
    const result = this.page.locator('#burst-result', { hasText: 'succeeded' });
    await result.waitFor();
    return result.innerText();
  }

  async event(kind: string): Promise<string> {
    const entry = this.page.locator(`#events [data-kind="${kind}"]`).last();
    await entry.waitFor();
    return entry.innerText();
  }

  async #fillCredentials(email: string, password: string): Promise<void> {
    await this.page.fill('#login-form input[name=email]', email);
    await this.page.fill('#login-form input[name=password]', password);
  }
}
