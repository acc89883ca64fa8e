import { fork } from 'node:child_process';
import type { ServerStats } from './server.js';

export interface ServerRequest {
  id: number;
  op: 'stats' | 'hold' | 'release' | 'reset' | 'close';
}

export type ServerReply = { id: number; port: number } | { id: number; stats: ServerStats };

/** The bench's auth server, running in a child process and steered over IPC. */
export interface RemoteAuthServer {
  readonly baseURL: string;
  stats(): Promise<ServerStats>;
  hold(): Promise<ServerStats>;
  release(): Promise<ServerStats>;
  reset(): Promise<ServerStats>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (reply: ServerReply) => void;
  reject: (error: Error) => void;
}

const STARTUP_LIMIT_MS = 10_000;

export async function startAuthServer(): Promise<RemoteAuthServer> {
  const child = fork(new URL('./server-child.ts', import.meta.url), {
    // Only tsx's loader: the child must not inherit --expose-gc or an inspector port.
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      // Whatever still waits for an answer would otherwise wait forever.
      const error = new Error(`The auth server exited (code ${String(code)}, signal ${String(signal)})`);
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
      resolve();
    });
  });
  child.on('message', (reply: ServerReply) => {
    pending.get(reply.id)?.resolve(reply);
    pending.delete(reply.id);
  });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`The auth server did not start within ${STARTUP_LIMIT_MS} ms`));
    }, STARTUP_LIMIT_MS);
    pending.set(0, {
      resolve: (reply) => {
        clearTimeout(timer);
        if ('port' in reply) resolve(reply.port);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
  });

  const ask = (op: ServerRequest['op']): Promise<ServerStats> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error(`The auth server is gone; cannot ${op}`));
        return;
      }
      pending.set(id, {
        resolve: (reply) => {
          if ('stats' in reply) resolve(reply.stats);
          else reject(new Error(`Unexpected reply to ${op}`));
        },
        reject,
      });
      child.send({ id, op } satisfies ServerRequest);
    });
  };

  return {
    baseURL: `http://127.0.0.1:${port}/`,
    stats: () => ask('stats'),
    hold: () => ask('hold'),
    release: () => ask('release'),
    reset: () => ask('reset'),
    async close() {
      if (child.connected) await ask('close');
      await exited;
    },
  };
}
