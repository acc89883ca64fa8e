import { isSessionExpiredError } from '../../../src/index.js';
import { createTask, deleteTask, getAllTasks, logIn, logOut, signUp, whoAmI } from '../../client/utilities.js';
import type { Task } from '../../client/utilities.js';
import { createApi, describeFailure } from './api.js';
import { Countdown } from './countdown.js';
import { byId, show } from './dom.js';
import { logEvent } from './event-log.js';

const loginView = byId('login-view', HTMLElement);
const tasksView = byId('tasks-view', HTMLElement);
const loginForm = byId('login-form', HTMLFormElement);
const loginError = byId('login-error', HTMLParagraphElement);
const taskForm = byId('task-form', HTMLFormElement);
const taskList = byId('tasks', HTMLUListElement);
const who = byId('who', HTMLSpanElement);
const logoutButton = byId('logout', HTMLButtonElement);
const burstButton = byId('burst', HTMLButtonElement);
const burstResult = byId('burst-result', HTMLSpanElement);

const countdown = new Countdown(byId('countdown', HTMLParagraphElement));
const { api, session } = createApi(countdown, () => {
  signedOut();
});

function signedOut(): void {
  countdown.forget();
  who.textContent = '';
  taskList.replaceChildren();
  show(logoutButton, false);
  show(tasksView, false);
  show(loginView, true);
}

async function signedIn(email: string): Promise<void> {
  who.textContent = email;
  show(logoutButton, true);
  show(loginView, false);
  show(tasksView, true);
  renderTasks(await getAllTasks(api));
}

function renderTasks(tasks: readonly Task[]): void {
  taskList.replaceChildren(
    ...tasks.map((task) => {
      const item = document.createElement('li');
      item.dataset.id = String(task.id);
      const title = document.createElement('span');
      title.textContent = task.title;
      const due = document.createElement('time');
      due.textContent = task.due_date ?? '';
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.addEventListener('click', () => {
        run(async () => {
          await deleteTask(api, task.id);
          item.remove();
          logEvent('info', `deleted "${task.title}"`);
        });
      });
      item.append(title, due, remove);
      return item;
    }),
  );
}

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/** Runs a UI action; a session that ended is already handled by onSessionExpired. */
function run(action: () => Promise<void>): void {
  action().catch((error: unknown) => {
    if (!isSessionExpiredError(error)) logEvent('error', `request failed: ${describeFailure(error)}`);
  });
}

loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(loginForm);
  const credentials = { email: text(data, 'email'), password: text(data, 'password') };
  const create = event.submitter instanceof HTMLButtonElement && event.submitter.value === 'create';
  loginError.textContent = '';
  (create ? signUp(api, credentials) : logIn(api, credentials))
    .then(async (tokens) => {
      countdown.issued(tokens.expires_in);
      logEvent('info', `${create ? 'signed up' : 'logged in'} as ${credentials.email}`);
      loginForm.reset();
      await signedIn(credentials.email);
    })
    .catch((error: unknown) => {
      loginError.textContent = create ? `Could not sign up: ${describeFailure(error)}` : 'Wrong email or password';
    });
});

taskForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(taskForm);
  const due = text(data, 'due');
  run(async () => {
    const task = await createTask(api, text(data, 'title'), due === '' ? undefined : due);
    taskForm.reset();
    logEvent('info', `created "${task.title}"`);
    renderTasks(await getAllTasks(api));
  });
});

burstButton.addEventListener('click', () => {
  burstResult.textContent = '…';
  run(async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => getAllTasks(api)));
    const succeeded = results.filter((result) => result.status === 'fulfilled');
    burstResult.textContent = `${succeeded.length} of ${results.length} succeeded`;
    logEvent('info', `burst: ${succeeded.length} of ${results.length} requests succeeded`);
    const [first] = succeeded;
    if (first) renderTasks(first.value);
  });
});

logoutButton.addEventListener('click', () => {
  run(async () => {
    try {
      await logOut(api);
      logEvent('info', 'logged out');
    } finally {
      // Every tab, this one included, goes back to the login form through onSessionExpired.
      session.end();
    }
  });
});

// A reload keeps the cookies: ask the server who we are, refreshing first if the access token expired.
whoAmI(api)
  .then((email) => signedIn(email))
  .catch((error: unknown) => {
    if (!isSessionExpiredError(error)) logEvent('error', `could not load: ${describeFailure(error)}`);
    signedOut();
  });
