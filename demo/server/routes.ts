import type { AuthedHandler, Handler } from './app.js';
import { authenticate } from './auth.js';
import { unauthorized } from './http.js';
import { createTask, deleteTask, listTasks, updateTask } from './tasks.js';
import { createUser, logIn, logOut, refresh, whoAmI } from './users.js';

export interface Route {
  /** How stats and gates name the route: `PUT /api/v1/tasks/:id/`. */
  key: string;
  method: string;
  pattern: RegExp;
  handle: Handler;
}

export type Match = { route: Route; params: Record<string, string> } | { allowed: string[] };

function route(method: string, path: string, handle: Handler): Route {
  const pattern = new RegExp(`^${path.replace(/:(\w+)/g, '(?<$1>\\d+)')}$`);
  return { key: `${method} ${path}`, method, pattern, handle };
}

function authed(handle: AuthedHandler): Handler {
  return (request, app) => {
    const auth = authenticate(request, app.tokens);
    if (!auth.ok) return unauthorized('Authentication credentials were not provided or are not valid', auth.code);
    return handle(request, app, auth.email);
  };
}

export const routes: readonly Route[] = [
  route('POST', '/api/v1/users/create/', createUser),
  route('POST', '/api/v1/users/login/', logIn),
  route('POST', '/api/v1/users/refresh/', refresh),
  route('POST', '/api/v1/users/logout/', logOut),
  route('GET', '/api/v1/users/', authed(whoAmI)),
  route('GET', '/api/v1/tasks/', authed(listTasks)),
  route('POST', '/api/v1/tasks/', authed(createTask)),
  route('PUT', '/api/v1/tasks/:id/', authed(updateTask)),
  route('DELETE', '/api/v1/tasks/:id/', authed(deleteTask)),
];

/** The route for a request, or the methods its path allows; undefined for an unknown path. */
export function match(method: string, path: string): Match | undefined {
  const allowed: string[] = [];
  for (const candidate of routes) {
    const found = candidate.pattern.exec(path);
    if (!found) continue;
    if (candidate.method === method) return { route: candidate, params: { ...found.groups } };
    allowed.push(candidate.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
