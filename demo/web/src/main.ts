import { isSessionExpiredError } from '../../../src/index.js';
import { createTask, deleteTask, getAllTasks, logIn, logOut, signUp, whoAmI } from '../../client/utilities.js';
import type { Task } from '../../client/utilities.js';
import { createApi, describeFailure } from './api.js';
import { Countdown } from './countdown.js';
import { byId, show } from './dom.js';
import { hold, logEvent, release } from './event-log.js';
import { countRefreshes, describeBurst, logSession } from './session-log.js';

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
/** Who is logged in; undefined before the first answer of "who am I", and after log-out. */
let user: string | undefined;
const { api, session, unauthorized } = createApi(countdown, () => {
  // Only a page that had a user has a session to leave: a first-time visitor's "who am I"
  // ends one that never was, and the page shows the login form when that call fails.
  if (user !== undefined) signedOut();
});
logSession(session, () => user !== undefined);

function signedOut(): void {
  user = undefined;
  countdown.forget();
  who.textContent = '';
  taskList.replaceChildren();
  show(logoutButton, false);
  show(tasksView, false);
  show(loginView, true);
}

async function signedIn(email: string): Promise<void> {
  user = email;
  who.textContent = email;
  taskList.setAttribute('aria-busy', 'true');
  show(logoutButton, true);
  show(loginView, false);
  show(tasksView, true);
  renderTasks(await getAllTasks(api));
}

function renderTasks(tasks: readonly Task[]): void {
  taskList.setAttribute('aria-busy', 'false');
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
  delete burstResult.dataset.state;
  run(async () => {
    const counted = countRefreshes(session);
    const before = unauthorized();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => getAllTasks(api)));
    const succeeded = results.filter((result) => result.status === 'fulfilled');
    const line = describeBurst(counted(), unauthorized() - before, succeeded.length, results.length);
    burstResult.textContent = line;
    burstResult.dataset.state = 'done';
    logEvent('burst', `burst: ${line}`);
    const [first] = succeeded;
    if (first) renderTasks(first.value);
  });
});

logoutButton.addEventListener('click', () => {
  run(async () => {
    try {
      await logOut(api);
    } finally {
      // Every tab, this one included, goes back to the login form through onSessionExpired; the
      // event log tells it here as "logged out" (`session-ended` by the app).
      session.end();
    }
  });
});

// A reload, or another tab, keeps the cookies: ask the server who we are, refreshing first if
// the access token expired. What the session does meanwhile is told only once there is a user:
// for a visitor who never logged in, the rejected refresh is no news.
run(async () => {
  hold();
  let email: string;
  try {
    email = await whoAmI(api);
  } catch (error) {
    const never = isSessionExpiredError(error);
    release(!never);
    logEvent(never ? 'info' : 'error', never ? 'not logged in' : `could not load: ${describeFailure(error)}`);
    signedOut();
    return;
  }
  release(true);
  logEvent('info', `logged in as ${email} (from the cookies)`);
  await signedIn(email);
});
