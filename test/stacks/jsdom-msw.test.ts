// @vitest-environment jsdom
import axios from 'axios';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createRefreshInterceptor, isSessionExpiredError } from '../../src/index.js';
import { createRefreshFetch } from '../../src/fetch.js';
import { createTabSession } from '../../src/tabs.js';

// How apps test their code: Vitest with jsdom, and MSW answering the app's HTTP. axios sends
// through jsdom's XMLHttpRequest here, and the test runner's other files run in other threads.

const API = 'https://api.example.com';
let access = 'access-0';
let refreshes = 0;
let rejectRefresh = false;
const seen: string[] = [];

const authorized = (request: Request): boolean => request.headers.get('authorization') === `Bearer ${access}`;
const server = setupServer(
  http.post(`${API}/auth/refresh`, () => {
    refreshes += 1;
    if (rejectRefresh) return new HttpResponse(null, { status: 401 });
    access = `access-${refreshes}`;
    return HttpResponse.json({ access });
  }),
  http.get(`${API}/tasks`, ({ request }) => (authorized(request) ? HttpResponse.json([]) : new HttpResponse(null, { status: 401 }))),
  http.post(`${API}/upload`, async ({ request }) => {
    if (!authorized(request)) return new HttpResponse(null, { status: 401 });
    const title = await request.formData().then((form) => form.get('title'), () => 'not multipart');
    seen.push(typeof title === 'string' ? title : 'not a string');
    return HttpResponse.json({ ok: true });
  }),
);

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  server.resetHandlers();
  access = 'access-0';
  refreshes = 0;
  rejectRefresh = false;
  seen.length = 0;
});
afterAll(() => {
  server.close();
});

/** The app's api module, made per test so that no test inherits another's session. */
function makeApi() {
  let token = access;
  const expired: unknown[] = [];
  const api = axios.create({ baseURL: API });
  const { session } = createRefreshInterceptor(api, {
    refresh: async ({ client }) => {
      token = (await client.post<{ access: string }>('/auth/refresh')).data.access;
    },
    accessToken: bearer(() => token),
    // jsdom's page is http://localhost:3000: fetch calls get the token only where listed.
    credentialOrigins: [API],
    onSessionExpired: (error) => {
      expired.push(error);
    },
  });
  return { api, session, expired, expire: () => { access = 'rotated-away'; } };
}

describe('under jsdom, with MSW answering', () => {
  it('sends through jsdom\'s XMLHttpRequest, makes one refresh for five 401s, and sends a FormData body again as plain axios sends it', async () => {
    expect(typeof document).toBe('object');
    const app = makeApi();
    const form = new FormData();
    form.append('title', 'write tests');
    // What plain axios sends: axios 1.6 under jsdom leaves the boundary out, without the library.
    await axios.post(`${API}/upload`, form, { headers: { Authorization: `Bearer ${access}` } });
    const plain = seen.splice(0);
    expect(plain).toEqual([axios.VERSION.startsWith('1.6.') ? 'not multipart' : 'write tests']);
    app.expire();

    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => app.api.get('/tasks')),
      app.api.post('/upload', form),
    ]);

    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results[0].request).toBeInstanceOf(XMLHttpRequest);
    expect(refreshes).toBe(1);
    expect(seen).toEqual(plain);
  });

  it('ends the session once when the refresh is rejected, and every request says so', async () => {
    const app = makeApi();
    app.expire();
    rejectRefresh = true;

    const results = await Promise.allSettled(Array.from({ length: 3 }, () => app.api.get('/tasks')));

    expect(results.every((r) => r.status === 'rejected' && isSessionExpiredError(r.reason))).toBe(true);
    expect(refreshes).toBe(1);
    expect(app.expired).toHaveLength(1);
  });

  it('refreshes once for fetch calls through a wrapper that reads the global fetch when called, which MSW patches', async () => {
    const app = makeApi();
    const authFetch = createRefreshFetch((input, init) => fetch(input, init), { session: app.session });
    app.expire();

    const answers = await Promise.all(Array.from({ length: 3 }, () => authFetch(`${API}/tasks`)));

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(refreshes).toBe(1);
  });

  it('keeps two tab sessions of one name apart, as test files in other threads are: a log-out in one ends nothing in the other', async () => {
    const a = createTabSession({ refresh: ({ client }) => client.post('/auth/refresh') });
    const b = createTabSession({ refresh: ({ client }) => client.post('/auth/refresh') });
    const heard: unknown[] = [];
    const listener = new BroadcastChannel('axios-refresh-interceptor');
    listener.addEventListener('message', (event) => heard.push(event.data));

    a.end();
    const after = new BroadcastChannel('axios-refresh-interceptor');
    after.postMessage('after');
    await expect.poll(() => heard.includes('after')).toBe(true);

    expect(heard).toEqual(['after']);
    expect([a.state, b.state]).toEqual(['ended', 'live']);
    for (const closing of [a, b]) closing.close();
    for (const closing of [listener, after]) closing.close();
  });
});
