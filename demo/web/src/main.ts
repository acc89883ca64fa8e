import { isSessionExpiredError } from '../../../src/index.js';
import { createTask, deleteTask, getAllTasks, logIn, logOut, signUp, whoAmI } from '../../client/utilities.js';
import type { Task } from '../../client/utilities.js';
import { createApi, describeFailure } from './api.js';
import { Countdown } from './countdown.js';
import { byId, show } from './dom.js';
import { describeBurst } from './burst-line.js';
import { BurstRecorder } from './burst-trace.js';
import { DEMO_ACCOUNT } from '../demo-account.js';
import { hold, logEvent, release } from './event-log.js';
import { loginFailure } from './login-failure.js';
import { logSession } from './session-log.js';
import { lessonBurst } from './lesson-burst.js';
import { drawTimeline } from './timeline.js';

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
const timeline = byId('timeline', HTMLElement);
const lessonButton = byId('burst-lesson', HTMLButtonElement);
const lessonResult = byId('burst-lesson-result', HTMLSpanElement);
const lessonTimeline = byId('timeline-lesson', HTMLElement);
const demoButton = byId('use-demo', HTMLButtonElement);
const logInButton = byId('log-in', HTMLButtonElement);

const countdown = new Countdown(byId('countdown', HTMLParagraphElement));
/** Who is logged in; undefined before the first answer of "who am I", and after log-out. */
let user: string | undefined;
const { api, session, recorder } = createApi(countdown, () => {
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
      loginError.textContent = loginFailure(create, error);
    });
});

byId('demo-email', HTMLElement).textContent = DEMO_ACCOUNT.email;
byId('demo-password', HTMLElement).textContent = DEMO_ACCOUNT.password;
demoButton.addEventListener('click', () => {
  const fields = loginForm.elements;
  const email = fields.namedItem('email');
  const password = fields.namedItem('password');
  if (email instanceof HTMLInputElement) email.value = DEMO_ACCOUNT.email;
  if (password instanceof HTMLInputElement) password.value = DEMO_ACCOUNT.password;
  loginForm.requestSubmit(logInButton);
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
    const trace = recorder.begin(10);
    const results = await Promise.allSettled(
      // getAllTasks's request, with the header that ties it to its lane of the timeline.
      trace.lanes.map((_, i) =>
        api.get<Task[]>('tasks/', { headers: BurstRecorder.lane(i) }).then(
          ({ data }) => {
            recorder.settled(i, true);
            return data;
          },
          (error: unknown) => {
            recorder.settled(i, false);
            throw error;
          },
        ),
      ),
    );
    recorder.end();
    const line = describeBurst(trace);
    burstResult.textContent = line;
    burstResult.dataset.state = 'done';
    drawTimeline(timeline, trace, 'The last burst: one lane per request, under the refresh that saved them');
    logEvent('burst', `burst: ${line}`);
    const first = results.find((result) => result.status === 'fulfilled');
    if (first) renderTasks(first.value);
  });
});

lessonButton.addEventListener('click', () => {
  lessonResult.textContent = '…';
  delete lessonResult.dataset.state;
  run(async () => {
    const trace = await lessonBurst(10, (expiresIn) => {
      countdown.issued(expiresIn);
    });
    const line = describeBurst(trace);
    lessonResult.textContent = line;
    lessonResult.dataset.state = 'done';
    drawTimeline(lessonTimeline, trace, 'The same burst through the hand-written _retry interceptor: one refresh per 401');
    logEvent('burst', `hand-written _retry burst: ${line}`);
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
