import type { App } from './app.js';
import { BadRequest, json } from './http.js';
import type { ApiRequest, Reply } from './http.js';
import type { TaskFields } from './store.js';

function taskFields(body: unknown): TaskFields {
  const { title, due_date: due } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof title !== 'string' || title.trim() === '' || title.length > 200) {
    throw new BadRequest('`title` must be a non-empty string of at most 200 characters');
  }
  if (due === undefined || due === null || due === '') return { title: title.trim(), due_date: null };
  if (typeof due !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(due)) {
    throw new BadRequest('`due_date` must be YYYY-MM-DD or null');
  }
  return { title: title.trim(), due_date: due };
}

function taskId(request: ApiRequest): number {
  return Number(request.params.id);
}

const notFound: Reply = json(404, { detail: 'No such task', code: 'not_found' });

export function listTasks(_request: ApiRequest, app: App, email: string): Reply {
  return json(200, app.store.tasks(email));
}

export function createTask(request: ApiRequest, app: App, email: string): Reply {
  return json(201, app.store.addTask(email, taskFields(request.body)));
}

export function updateTask(request: ApiRequest, app: App, email: string): Reply {
  const task = app.store.updateTask(email, taskId(request), taskFields(request.body));
  return task ? json(200, task) : notFound;
}

export function deleteTask(request: ApiRequest, app: App, email: string): Reply {
  const task = app.store.deleteTask(email, taskId(request));
  return task ? json(200, task) : notFound;
}
