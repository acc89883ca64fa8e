/**
 * responseType 'stream': the 401's body is a stream that nobody reads once the library decides
 * to refresh and retry. Through an agent with a socket limit, those unread 401 bodies keep their
 * sockets busy until the server closes the idle connection, so the refresh (which shares the
 * instance's agent through `client`) cannot get a socket.
 */
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeApp, settle, startProbe, within } from './helpers/request-probe.js';
import type { ProbeServer } from './helpers/request-probe.js';

let server: ProbeServer;
let agent: http.Agent;
const SOCKETS = 4;
beforeEach(async () => {
  server = await startProbe();
  // As a proxy or nginx would (keepalive_timeout 75 s); Node's own default of 5 s only shortens the wait.
  server.raw!.keepAliveTimeout = 60_000;
  agent = new http.Agent({ keepAlive: true, maxSockets: SOCKETS });
});
afterEach(async () => {
  agent.destroy();
  await server.close();
});

describe.each([false, true])('streamed downloads through a pooled agent (app response interceptor %s)', (ri) => {
  it(`${SOCKETS} concurrent streamed downloads that meet a 401 all refresh once and resolve with the retry’s stream`, async () => {
    const { api } = probeApp(server, { httpAgent: agent }, { responseInterceptor: ri });
    server.expire();
    const outs = await within(
      Promise.all(Array.from({ length: SOCKETS }, (_, i) => settle(api.get(`/api/download/${i}`, { responseType: 'stream' })))),
      12_000,
    );
    const summary = outs.map((o) => (o.ok ? o.value.status : `${o.error.code}`));
    for (const o of outs) if (o.ok) (o.value.data as NodeJS.ReadableStream).resume();
    expect({ summary, refreshCallsAnswered: server.refreshes }).toEqual({
      summary: Array(SOCKETS).fill(200),
      refreshCallsAnswered: 1,
    });
  }, 15_000);

  it('baseline: the same agent and the same 401s with responseType json work at once', async () => {
    const { api } = probeApp(server, { httpAgent: agent }, { responseInterceptor: ri });
    server.expire();
    const outs = await within(Promise.all(Array.from({ length: SOCKETS }, (_, i) => settle(api.get(`/api/json/${i}`)))), 3000);
    expect(outs.map((o) => (o.ok ? o.value.status : o.error.code))).toEqual(Array(SOCKETS).fill(200));
  });
});
