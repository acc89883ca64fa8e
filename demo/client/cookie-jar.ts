import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import axios from 'axios';
import type { AxiosAdapter } from 'axios';
import { HttpCookieAgent, HttpsCookieAgent } from 'http-cookie-agent/http';
import type { Cookie, CookieJar } from 'tough-cookie';

export interface CookieAgents {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
}

/**
 * Node has no cookie jar: tough-cookie's `CookieJar` is one, and http-cookie-agent's agents
 * read it as each request goes out and write each response's `Set-Cookie` into it, below every
 * interceptor, as a browser's jar sits. Spread into `axios.create`, they are part of the
 * instance's defaults, so the refresh's `client`, made from those defaults, sends and stores
 * the same cookies.
 */
export function cookieAgents(jar: CookieJar): CookieAgents {
  return {
    httpAgent: new HttpCookieAgent({ cookies: { jar } }),
    httpsAgent: new HttpsCookieAgent({ cookies: { jar } }),
  };
}

/**
 * The default adapter, sending through the agents of `jar`: for a request made with plain
 * axios rather than an instance, such as the lesson's refresh.
 */
export function cookieAdapter(jar: CookieJar, adapter: AxiosAdapter = axios.getAdapter(axios.defaults.adapter)): AxiosAdapter {
  const agents = cookieAgents(jar);
  return (config) => adapter(Object.assign(config, agents));
}

/** What a jar holds for one site, by cookie name, as a browser's developer tools list it. */
export interface SiteCookies {
  /** The cookie that would be sent to the site; undefined once it expired or was cleared. */
  get(name: string): Cookie | undefined;
}

export function siteCookies(jar: CookieJar, url: string): SiteCookies {
  return {
    get: (name) => jar.getCookiesSync(url).find((cookie) => cookie.key === name),
  };
}
