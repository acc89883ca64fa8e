/**
 * Step 4 of a request's path: judged. Whether an answer means that the credentials it was sent
 * with expired, and for which interceptor in force.
 */
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { ERR_BODY_NOT_REPLAYABLE, isRefreshFailedError, isSessionExpiredError } from './errors.js';
import type { Attachment, InstanceState } from './instance-state.js';
import { fullPath, isOwnOrigin } from './origins.js';
import type { Sending } from './record.js';

// The purposes a request was retried for, each at most once. Set only on a retry, so it must
// survive axios's config merge: a string key, since axios before 1.7 drops symbol keys when it
// merges a config, and an array, which the merge copies.
const RETRIED = 'axiosRefreshRetried';

export type Marked = InternalAxiosRequestConfig & { [RETRIED]?: string[] };

/** Whether axios resolves a 401 for this request; it resolves every status without `validateStatus`. */
export const resolves401 = ({ validateStatus }: InternalAxiosRequestConfig): boolean => !validateStatus || validateStatus(401);

/** The library's own errors, which no app interceptor made from a response. */
export function isOwnError(error: unknown): boolean {
  return (
    isSessionExpiredError(error) ||
    isRefreshFailedError(error) ||
    (error as { code?: unknown } | null | undefined)?.code === ERR_BODY_NOT_REPLAYABLE
  );
}

/** The response with its body as `transformResponse` makes it, for a check that reads the body. */
export function readable(response: AxiosResponse, config: InternalAxiosRequestConfig): AxiosResponse {
  const transforms = config.transformResponse;
  let data: unknown = response.data;
  for (const transform of Array.isArray(transforms) ? transforms : transforms ? [transforms] : []) {
    data = (transform as (this: unknown, data: unknown, headers: unknown, status: number) => unknown).call(
      config,
      data,
      response.headers,
      response.status,
    );
  }
  return { ...response, data };
}

interface RequestLike {
  /** XMLHttpRequest: the URL of the final answer, after redirects. */
  responseURL?: unknown;
  /** Node's last `ClientRequest`: follow-redirects puts the final URL on its response. */
  res?: { responseUrl?: unknown } | null;
}

/**
 * Whether a request went where the session's credentials go, and its answer came from there
 * (after a redirect that is another URL, which the http and xhr adapters tell and the fetch
 * adapter does not): a 401 from elsewhere says nothing about them, and a refresh is not its business.
 * Asked only once a check has matched or a refresh is due, so the success path never pays for it.
 */
export function ours(state: InstanceState, { session }: Attachment, config: InternalAxiosRequestConfig, answer: { request?: unknown } | undefined): boolean {
  const request = answer?.request as RequestLike | null | undefined;
  return [fullPath(config), request?.responseURL ?? request?.res?.responseUrl].every(
    (url) => typeof url !== 'string' || url === '' || isOwnOrigin(url, state.ownOrigin(), session.origins, session.bearer !== undefined),
  );
}

/**
 * The attachment in force that `matches` an answer to a request it has not retried yet. One it
 * retried the request for, after a refresh, is told that the credentials that refresh gave were
 * refused too, and takes the request again only when another tab had handed them over.
 */
export const judge = (
  state: InstanceState,
  config: Marked,
  answer: { request?: unknown } | undefined,
  matches: (attachment: Attachment) => boolean,
  sending: Sending | undefined,
): Attachment | undefined =>
  state.inForce.find((attachment) => {
    if (!matches(attachment) || !ours(state, attachment, config, answer) || sending?.own.includes(attachment)) return false;
    const retries = config[RETRIED];
    if (!retries?.includes(attachment.purpose)) return true;
    // Only its latest retry carried what that refresh gave: one for another purpose came after.
    return !!sending && retries.at(-1) === attachment.purpose && attachment.session.refused(sending.sent);
  });

/** The request marked as retried for the attachment's purpose too. */
export const retried = (config: Marked, { purpose }: Attachment): Marked => ({ ...config, [RETRIED]: [...(config[RETRIED] ?? []), purpose] });
