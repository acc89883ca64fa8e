import type { AddressInfo } from 'node:net';
import type { ServerRequest, ServerReply } from './remote-server.js';
import { createAuthServer } from './server.js';

// The server runs in a process of its own so that its work neither shares the client's event
// loop nor shows up in the client's heap.
const auth = createAuthServer();
const reply = (message: ServerReply): void => {
  process.send?.(message);
};

auth.server.listen(0, '127.0.0.1', () => {
  reply({ id: 0, port: (auth.server.address() as AddressInfo).port });
});

const close = (): void => {
  auth.server.close();
  auth.server.closeAllConnections();
  process.disconnect();
};
// A bench that dies must not leave its server behind.
process.on('disconnect', () => {
  auth.server.close();
  auth.server.closeAllConnections();
});

process.on('message', (message: ServerRequest) => {
  switch (message.op) {
    case 'stats':
      break;
    case 'hold':
      auth.hold();
      break;
    case 'release':
      auth.release();
      break;
    case 'reset':
      auth.reset();
      break;
    case 'close':
      reply({ id: message.id, stats: auth.stats() });
      close();
      return;
  }
  reply({ id: message.id, stats: auth.stats() });
});
