import type { AxiosInstance } from 'axios';
import { isSessionExpiredError } from '../../src/index.js';

/** The lesson's `utilities.jsx`, typed: each call throws on failure instead of returning null. */

export interface Task {
  id: number;
  title: string;
  due_date: string | null;
}

export interface Credentials {
  email: string;
  password: string;
}

/** What sign-up, log-in and refresh answer; a browser app only needs `email` and `expires_in`. */
export interface TokenResponse {
  email?: string;
  access: string;
  refresh: string;
  /** Seconds until the access token expires. */
  expires_in: number;
}

// A wrong password is a 401 too, and no refresh can fix it.
const noRefresh = { skipAuthRefresh: true };

export async function signUp(api: AxiosInstance, credentials: Credentials): Promise<TokenResponse> {
  return (await api.post<TokenResponse>('users/create/', credentials, noRefresh)).data;
}

export async function logIn(api: AxiosInstance, credentials: Credentials): Promise<TokenResponse> {
  return (await api.post<TokenResponse>('users/login/', credentials, noRefresh)).data;
}

// Log-out goes out as any request: with an expired access token it refreshes first, and a
// `skipAuthRefresh` request that succeeds would read as a log-in. A session that ended already
// has nothing left to log out of.
export async function logOut(api: AxiosInstance): Promise<void> {
  try {
    await api.post('users/logout/');
  } catch (error) {
    if (!isSessionExpiredError(error)) throw error;
  }
}

export async function whoAmI(api: AxiosInstance): Promise<string> {
  return (await api.get<{ email: string }>('users/')).data.email;
}

export async function getAllTasks(api: AxiosInstance): Promise<Task[]> {
  return (await api.get<Task[]>('tasks/')).data;
}

export async function createTask(api: AxiosInstance, title: string, dueDate?: string): Promise<Task> {
  return (await api.post<Task>('tasks/', { title, due_date: dueDate ?? null })).data;
}

export async function putTask(api: AxiosInstance, id: number, title: string, dueDate?: string): Promise<Task> {
  return (await api.put<Task>(`tasks/${id}/`, { title, due_date: dueDate ?? null })).data;
}

export async function deleteTask(api: AxiosInstance, id: number): Promise<void> {
  await api.delete(`tasks/${id}/`);
}
