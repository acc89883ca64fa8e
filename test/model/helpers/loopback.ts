import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { vi } from 'vitest';
import { Log, ModelServer } from './model-server.js';
import type { Answer } from './model-server.js';
import { finishRun, scheduledEvents } from './memory.js';
import type { RunReport } from './memory.js';
import { flush } from './flush.js';
import type { SchedulePlan } from './schedule.js';
import { World, requestId } from './world.js';

interface Loopback {
  readonly url: string;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function presentedToken(body: string): string | undefined {
  return body.startsWith('{') ? (JSON.parse(body) as { refresh?: string }).refresh : undefined;
}

/**
 * The model server on a real `node:http` server on 127.0.0.1: each answer waits its latency on
 * a real timer, and a request whose client went away before it was answered is never processed.
 */
async function startLoopback(model: ModelServer): Promise<Loopback> {
  const timers = new Set<NodeJS.Timeout>();
  // Unref'd: the check that nothing is left once everything settled counts the client's
  // timers only, and a server timer is cleared when the server sees the client go, a tick later.
  const later = (ms: number, run: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms).unref();
    timers.add(timer);
    return timer;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    let gone = false;
    let timer: NodeJS.Timeout | undefined;
    let onGone = (): void => {};
    res.on('close', () => {
      if (res.writableFinished) return;
      gone = true;
      if (timer) {
        clearTimeout(timer);
        timers.delete(timer);
      }
      onGone();
    });
    const send = ({ status, data, headers }: Answer): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(data));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/refresh') {
      const call = model.arriveRefresh(presentedToken(body));
      onGone = () => {
        model.abandonRefresh(call);
      };
      if (call.plan.outcome === 'hang') return;
      timer = later(call.plan.latency, () => {
        if (gone) return;
        const answer = model.answerRefresh(call, presentedToken(body));
        onGone = () => {};
        if (answer === 'drop') req.socket.destroy();
        else send(answer);
      });
      return;
    }
    if (path === '/login') {
      timer = later(model.arriveLogin(), () => {
        if (!gone) send(model.answerLogin());
      });
      return;
    }
    const id = requestId(path);
    if (id === undefined) {
      send({ status: 404, data: {} });
      return;
    }
    const latency = model.arrive(id);
    timer = later(latency, () => {
      if (gone) return;
      const header = req.headers.authorization ?? '';
      send(model.answer(id, header.startsWith('Bearer ') ? header.slice(7) : undefined));
    });
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      });
    },
  };
}

/** Timers keeping the process alive (unref'd ones, such as idle sockets' timeouts, are not). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

export interface LoopbackReport extends RunReport {
  /** The server rotated a refresh token that never reached the client: the machine stalled. */
  lostRotation: boolean;
}

/** A bound on one run, far beyond what a schedule needs (about a second): a run that hits it has hung. */
const RUN_LIMIT_MS = 10_000;

/** Runs a schedule against the model server over real sockets, on real time. */
export async function runOnLoopback(schedule: SchedulePlan): Promise<LoopbackReport> {
  const baseline = activeTimers();
  // One clock for the schedule, the server and the trace: the one `expiresAt` is compared with.
  let origin = Date.now();
  const now = (): number => Date.now() - origin;
  const log = new Log(now);
  const model = new ModelServer(schedule, log, { exact: false, now });
  const loopback = await startLoopback(model);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  // The backoff's jitter, fixed per schedule: the model knows when each cooldown ends.
  const random = vi.spyOn(Math, 'random').mockReturnValue(schedule.random);
  try {
    origin = Date.now();
    const world = new World(schedule, model, log, {
      transport: axios.getAdapter(axios.defaults.adapter),
      baseURL: loopback.url,
      exact: false,
      origin,
    });
    // One chain fires the events in schedule order, each in a macrotask of its own. (Separate
    // timers would not do: overdue timers of different delays do not fire in time order.)
    for (const event of scheduledEvents(schedule)) {
      const wait = event.at - now();
      await new Promise((resolve) => (wait > 0 ? setTimeout(resolve, wait) : setImmediate(resolve)));
      event.run(world);
    }
    const deadline = performance.now() + RUN_LIMIT_MS;
    while (world.busy && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (world.unsettled > 0) log.violation(`${world.unsettled} request(s) still unsettled after ${RUN_LIMIT_MS} ms`);
    await flush();
    if (activeTimers() > baseline) log.violation(`${activeTimers() - baseline} timer(s) left once everything settled`);
    return {
      ...finishRun(world, log, unhandled, model.refreshCalls, log.trace.length),
      lostRotation: world.lostRotation(),
    };
  } finally {
    random.mockRestore();
    process.off('unhandledRejection', onUnhandled);
    await loopback.close();
  }
}
