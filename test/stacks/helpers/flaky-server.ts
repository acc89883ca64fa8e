import { listen, replyJson } from './loopback.js';

/** A loopback server whose every path fails a set number of times, then answers 200. */
export interface FlakyServer {
  readonly url: string;
  /** The statuses answered to `path`, in order. */
  answers(path: string): number[];
  close(): Promise<void>;
}

/** Answers each path `status` for its first `failures` requests, then 200. */
export async function startFlakyServer(failures: number, status: number): Promise<FlakyServer> {
  const answered = new Map<string, number[]>();
  const { url, close } = await listen(({ path }, res) => {
    const list = answered.get(path) ?? [];
    answered.set(path, list);
    const code = list.length < failures ? status : 200;
    list.push(code);
    replyJson(res, code, { path, attempt: list.length });
  });
  return {
    url,
    answers: (path) => [...(answered.get(path) ?? [])],
    close,
  };
}
