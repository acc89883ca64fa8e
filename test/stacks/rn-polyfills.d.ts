// React Native's networking polyfills, as the tests of that stack import them; neither package
// ships types.
declare module 'whatwg-fetch' {
  export const fetch: typeof globalThis.fetch;
  export const Request: typeof globalThis.Request;
  export const Headers: typeof globalThis.Headers;
  export const Response: typeof globalThis.Response;
}
declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}
