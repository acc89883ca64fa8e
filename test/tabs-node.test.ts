import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer, createRefreshInterceptor } from '../src/index.js';
import { createTabSession } from '../src/tabs.js';
import type { TabSession } from '../src/tabs.js';
import { startAuthServer } from './helpers/auth-server.js';
import type { AuthServer } from './helpers/auth-server.js';
import { until } from './helpers/gate.js';

// Node has no tabs, even where a test runner puts a `document` in it (jsdom, happy-dom): its
// BroadcastChannels reach every worker thread of the process, which are other test files.

let server: AuthServer;
let sessions: TabSession[];
let raw: BroadcastChannel[];
beforeEach(async () => {
  server = await startAuthServer();
  sessions = [];
  raw = [];
  vi.stubGlobal('document', {});
});
afterEach(async () => {
  for (const session of sessions) session.close();
  for (const channel of raw) channel.close();
  vi.unstubAllGlobals();
  await server.close();
});

type Tokens = { access: string; refresh: string };

function tab(tokens: Tokens, refreshTimeout = 60_000) {
  const api = axios.create({ baseURL: server.url });
  const session = createTabSession({
    refresh: async ({ client }) => {
      Object.assign(tokens, (await client.post<Tokens>('/refresh', { refresh: tokens.refresh })).data);
    },
    accessToken: bearer(() => tokens.access),
    shareTokens: { read: () => ({ ...tokens }), write: (next) => Object.assign(tokens, next) },
    refreshTimeout,
  });
  sessions.push(session);
  createRefreshInterceptor(api, { session });
  return { api, session, tokens };
}

function channel(name: string): BroadcastChannel {
  const made = new BroadcastChannel(name);
  raw.push(made);
  return made;
}

describe('in Node with a document, as under jsdom or happy-dom', () => {
  it('opens no BroadcastChannel: a log-out in one test file\'s session does not end another\'s of the same name', async () => {
    const heard: unknown[] = [];
    channel('axios-refresh-interceptor').addEventListener('message', (event) => heard.push(event.data));
    const a = tab({ access: server.access, refresh: server.refresh });
    const b = tab({ access: server.access, refresh: server.refresh });

    a.session.end();
    // A message posted after the end arrives after anything the end posted.
    channel('axios-refresh-interceptor').postMessage('after');
    await until(() => heard.includes('after'));

    expect(heard).toEqual(['after']);
    expect([a.session.state, b.session.state]).toEqual(['ended', 'live']);
    await expect(b.api.get('/api/b')).resolves.toMatchObject({ status: 200 });
  });

  it('refreshes at once when it lost its tokens, with no tabs to ask for them', async () => {
    const a = tab({ access: server.access, refresh: server.refresh });
    server.expireAccess();
    await expect(a.api.get('/api/a')).resolves.toMatchObject({ status: 200 });
    const refresh = a.tokens.refresh;
    // The app clears the tokens between two tests; the next test logs in through its own path.
    Object.assign(a.tokens, { access: '', refresh });

    await expect(a.api.get('/api/a')).resolves.toMatchObject({ status: 200 });
    expect(server.refreshCalls()).toBe(2);
    expect(a.session.state).toBe('live');
  });
});
