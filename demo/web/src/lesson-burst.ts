import axios, { isAxiosError } from 'axios';
import type { InternalAxiosRequestConfig } from 'axios';
import { attachLessonInterceptor } from '../../client/lesson-interceptor.js';
import type { Task, TokenResponse } from '../../client/utilities.js';
import { BurstRecorder, LANE_HEADER } from './burst-trace.js';
import type { BurstTrace, RefreshMark, RequestMark } from './burst-trace.js';

/** A burst through the hand-written interceptor: one refresh call, and so one lane, per 401. */
export interface LessonTrace extends BurstTrace {
  readonly refreshLanes: RefreshMark[][];
}

/**
 * Sends the same burst through the lesson's hand-written `_retry` interceptor, on an instance
 * of its own without the library, and records it for a timeline beside the library's. Each
 * 401 runs a refresh of its own; with rotating refresh tokens, refreshes that go out together
 * present the same token, and the server accepts only one of them.
 *
 * @param issued Told the access token's lifetime when a refresh succeeds, for the countdown.
 */
export async function lessonBurst(count: number, issued: (expiresInSeconds: number) => void): Promise<LessonTrace> {
  const began = performance.now();
  const now = (): number => performance.now() - began;
  const trace: LessonTrace = {
    lanes: Array.from({ length: count }, (): RequestMark[] => []),
    refresh: [],
    own: { calls: 0, failed: 0 },
    endedBy: undefined,
    refreshLanes: [],
  };
  const mark = (config: InternalAxiosRequestConfig | undefined, step: RequestMark['step']): void => {
    trace.lanes[Number(config?.headers.get(LANE_HEADER))]?.push({ step, at: now() });
  };
  const api = axios.create({ baseURL: '/api/v1/', withCredentials: true });
  api.interceptors.request.use((config) => {
    mark(config, 'sent');
    return config;
  });
  // Added before the lesson's own, so it sees each 401 first and passes it on.
  api.interceptors.response.use(undefined, (error: unknown) => {
    if (isAxiosError(error) && error.response?.status === 401) mark(error.config, '401');
    throw error;
  });
  attachLessonInterceptor(api, async () => {
    const calls: RefreshMark[] = [{ step: 'started', at: now() }];
    trace.refreshLanes.push(calls);
    trace.own.calls += 1;
    try {
      const { data } = await axios.post<TokenResponse>('/api/v1/users/refresh/', {}, { withCredentials: true });
      issued(data.expires_in);
      calls.push({ step: 'succeeded', at: now() });
    } catch (error) {
      trace.own.failed += 1;
      calls.push({ step: 'failed', at: now() });
      throw error;
    }
  });
  await Promise.allSettled(
    trace.lanes.map((lane, i) =>
      api.get<Task[]>('tasks/', { headers: BurstRecorder.lane(i) }).then(
        () => lane.push({ step: 'done', at: now() }),
        () => lane.push({ step: 'failed', at: now() }),
      ),
    ),
  );
  return trace;
}
