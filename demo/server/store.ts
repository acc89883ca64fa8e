import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface Task {
  id: number;
  title: string;
  /** `YYYY-MM-DD`, or null for a task without a due date. */
  due_date: string | null;
}

export type TaskFields = Omit<Task, 'id'>;

/** Why a refresh token may no longer be used. */
export type Revocation = 'rotated' | 'logout';

interface User {
  salt: Buffer;
  hash: Buffer;
}

function hashPassword(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Users, their tasks and the refresh-token blacklist, in memory: the server is a reference, not a database. */
export class Store {
  readonly #users = new Map<string, User>();
  readonly #tasks = new Map<string, Map<number, Task>>();
  readonly #revoked = new Map<string, Revocation>();
  #nextTaskId = 1;

  /** False when the email is taken. */
  async addUser(email: string, password: string): Promise<boolean> {
    if (this.#users.has(email)) return false;
    const salt = randomBytes(16);
    // Reserved before the hash is ready, so two sign-ups with one email cannot both win.
    this.#users.set(email, { salt, hash: Buffer.alloc(0) });
    this.#users.set(email, { salt, hash: await hashPassword(password, salt) });
    return true;
  }

  async checkPassword(email: string, password: string): Promise<boolean> {
    const user = this.#users.get(email);
    // Hashes anyway for an unknown email, so the answer takes as long either way.
    const hash = await hashPassword(password, user?.salt ?? randomBytes(16));
    return user !== undefined && user.hash.length === hash.length && timingSafeEqual(user.hash, hash);
  }

  revoke(jti: string, why: Revocation): void {
    if (!this.#revoked.has(jti)) this.#revoked.set(jti, why);
  }

  revocation(jti: string): Revocation | undefined {
    return this.#revoked.get(jti);
  }

  tasks(email: string): Task[] {
    return [...this.#tasksOf(email).values()];
  }

  addTask(email: string, fields: TaskFields): Task {
    const task = { id: this.#nextTaskId++, ...fields };
    this.#tasksOf(email).set(task.id, task);
    return task;
  }

  updateTask(email: string, id: number, fields: TaskFields): Task | undefined {
    const tasks = this.#tasksOf(email);
    if (!tasks.has(id)) return undefined;
    const task = { id, ...fields };
    tasks.set(id, task);
    return task;
  }

  deleteTask(email: string, id: number): Task | undefined {
    const tasks = this.#tasksOf(email);
    const task = tasks.get(id);
    tasks.delete(id);
    return task;
  }

  #tasksOf(email: string): Map<number, Task> {
    let tasks = this.#tasks.get(email);
    if (!tasks) {
      tasks = new Map();
      this.#tasks.set(email, tasks);
    }
    return tasks;
  }
}
