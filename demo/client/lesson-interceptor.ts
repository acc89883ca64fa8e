import axios, { isAxiosError } from 'axios';
import type { AxiosAdapter, AxiosInstance, InternalAxiosRequestConfig } from 'axios';

/**
 * The lesson's refresh call: plain axios, so that a failing refresh cannot loop through the
 * interceptor. `adapter` stands in for the browser's cookie handling.
 */
export function lessonRefresh(refreshUrl: string, adapter: AxiosAdapter): () => Promise<unknown> {
  return () => axios.post(refreshUrl, {}, { withCredentials: true, adapter });
}

/**
 * The lesson's hand-written interceptor, kept as written there to compare against: each 401
 * runs a refresh of its own, with nothing shared between concurrent requests.
 */
export function attachLessonInterceptor(api: AxiosInstance, refreshAccessToken: () => Promise<unknown>): number {
  return api.interceptors.response.use(
    (response) => response,
    async (error: unknown) => {
      if (!isAxiosError(error) || !error.config) throw error;
      const originalRequest = error.config as InternalAxiosRequestConfig & { _retry?: boolean };
      if (error.response?.status === 401 && originalRequest._retry !== true) {
        originalRequest._retry = true;
        await refreshAccessToken();
        return api(originalRequest);
      }
      throw error;
    },
  );
}
