export { startAuthApi } from './server.js';
export type { AuthApi, AuthApiOptions } from './server.js';
export type { AuthApiStats } from './stats.js';
export type { Gate } from './gates.js';
export type { Task } from './store.js';
