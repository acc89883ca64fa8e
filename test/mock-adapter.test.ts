import axios from 'axios';
import type { AxiosInstance } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { describe, expect, it } from 'vitest';
import { createRefreshInterceptor, isSessionExpiredError } from '../src/index.js';

// axios-mock-adapter ships one set of types for both module systems; its constructor's
// parameter type can come from the other copy of axios's declarations.
function mock(api: AxiosInstance): MockAdapter {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- same object, other copy of the types
  return new MockAdapter(api as ConstructorParameters<typeof MockAdapter>[0]);
}

describe('apps that mock their instance with axios-mock-adapter', () => {
  it('mock the refresh call as well, because the refresh client shares the instance adapter', async () => {
    const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
    const server = mock(api);
    createRefreshInterceptor(api, { refresh: ({ client }) => client.post('users/refresh/') });
    server.onGet('tasks/').replyOnce(401).onGet('tasks/').replyOnce(200, [{ id: 1, title: 'Buy milk' }]);
    server.onPost('users/refresh/').replyOnce(200);

    const response = await api.get('tasks/');

    expect(response.data).toEqual([{ id: 1, title: 'Buy milk' }]);
    expect(server.history.post.map((r) => r.url)).toEqual(['users/refresh/']);
    expect(server.history.get).toHaveLength(2);
  });

  it('mock an instance the library was attached to before the mock existed', async () => {
    const api = axios.create({ baseURL: '/api/v1/' });
    createRefreshInterceptor(api, { refresh: ({ client }) => client.post('users/refresh/') });
    const server = mock(api);
    server.onGet('tasks/').replyOnce(401).onGet('tasks/').replyOnce(200, []);
    server.onPost('users/refresh/').replyOnce(200);

    await expect(api.get('tasks/')).resolves.toMatchObject({ status: 200, data: [] });
    expect(server.history.post).toHaveLength(1);
    expect(server.history.get).toHaveLength(2);
  });

  it('let a test drive the session-expired path', async () => {
    const api = axios.create({ baseURL: '/api/v1/' });
    const server = mock(api);
    let expired = 0;
    createRefreshInterceptor(api, {
      refresh: ({ client }) => client.post('users/refresh/'),
      onSessionExpired: () => {
        expired += 1;
      },
    });
    server.onGet('tasks/').reply(401);
    server.onPost('users/refresh/').reply(401);

    const error: unknown = await api.get('tasks/').catch((e: unknown) => e);

    expect(isSessionExpiredError(error)).toBe(true);
    expect(expired).toBe(1);
  });
});
