import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as the route handlers see it. */
export interface ApiRequest {
  params: Record<string, string>;
  body: unknown;
  cookies: Map<string, string>;
  authorization: string | undefined;
}

export interface Reply {
  status: number;
  body: unknown;
  cookies?: string[];
  headers?: Record<string, string>;
}

export function json(status: number, body: unknown, cookies?: string[]): Reply {
  return cookies ? { status, body, cookies } : { status, body };
}

/** 401 with the error body DRF gives, and the header RFC 9110 asks of a 401. */
export function unauthorized(detail: string, code: string): Reply {
  return { status: 401, body: { detail, code }, headers: { 'www-authenticate': 'Bearer realm="api"' } };
}

export class BadRequest extends Error {}

const MAX_BODY = 64 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest('body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
}

export function send(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...reply.headers,
    ...(reply.cookies ? { 'set-cookie': reply.cookies } : {}),
  });
  res.end(body);
}
