import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { until } from '../../helpers/gate.js';

// As graphql-ws loads it: Node resolves its `import 'graphql'` to the CommonJS build, and a schema
// made with the ES module build is "from another module or realm" to it.
const { GraphQLBoolean, GraphQLInt, GraphQLObjectType, GraphQLSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** A connection attempt as the socket server saw it. */
export interface Connect {
  readonly token: string | undefined;
  readonly accepted: boolean;
}

/** A graphql-ws server over `ws` whose `tick` subscription delivers what the test publishes. */
export interface SocketServer {
  readonly url: string;
  readonly connects: Connect[];
  /** Sends `tick` to every subscription open now. */
  publish(tick: number): void;
  /** Resolves once `n` subscriptions were made in all, and one of them is open. */
  subscribed(n: number): Promise<void>;
  /** Closes every socket with `code`, as a server that found their token expired does. */
  kick(code: number, reason: string): void;
  close(): Promise<void>;
}

/** @param valid Whether the auth server takes `token` now. */
export async function startSocketServer(valid: (token: string | undefined) => Promise<boolean>): Promise<SocketServer> {
  const subscribers = new Set<(tick: number) => void>();
  const connects: Connect[] = [];

  let made = 0;
  /** A subscription's stream of ticks; its `return` ends it at once, even while it waits. */
  function ticks(): AsyncIterableIterator<{ tick: number }> {
    made += 1;
    const queue: number[] = [];
    let pending: ((result: IteratorResult<{ tick: number }>) => void) | undefined;
    const push = (tick: number): void => {
      if (pending) pending({ value: { tick }, done: false });
      else queue.push(tick);
      pending = undefined;
    };
    subscribers.add(push);
    const iterator: AsyncIterableIterator<{ tick: number }> = {
      next: () => {
        const tick = queue.shift();
        if (tick !== undefined) return Promise.resolve({ value: { tick }, done: false });
        return new Promise((resolve) => (pending = resolve));
      },
      return: () => {
        subscribers.delete(push);
        pending?.({ value: undefined, done: true });
        pending = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLBoolean, resolve: () => true } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { tick: { type: GraphQLInt, subscribe: ticks } },
    }),
  });

  const server = http.createServer();
  const sockets = new WebSocketServer({ server, path: '/graphql' });
  const cleanup = useServer(
    {
      schema,
      onConnect: async ({ connectionParams }) => {
        const token = typeof connectionParams?.token === 'string' ? connectionParams.token : undefined;
        const accepted = await valid(token);
        connects.push({ token, accepted });
        // false closes the socket with 4403 Forbidden.
        return accepted;
      },
    },
    sockets,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    connects,
    publish(tick) {
      for (const push of subscribers) push(tick);
    },
    subscribed: (n) => until(() => made >= n && subscribers.size === 1),
    kick(code, reason) {
      for (const socket of sockets.clients) socket.close(code, reason);
    },
    async close() {
      for (const socket of sockets.clients) socket.terminate();
      await cleanup.dispose();
      await new Promise<void>((resolve) => { sockets.close(() => { resolve(); }); });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}
