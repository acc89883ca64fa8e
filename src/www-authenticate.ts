/**
 * `WWW-Authenticate` as RFC 9110 (section 11.6.1) writes it: several challenges in one header,
 * each a scheme with a token68 or comma-separated parameters whose values are tokens or quoted
 * strings with backslash escapes. Read in one pass by index, with no pattern over more than one
 * character, so a hostile header costs time in proportion to its length and no more.
 */

/** One challenge of a `WWW-Authenticate` header. */
export interface Challenge {
  /** The auth scheme as the server wrote it, such as `Bearer`; compare it without case. */
  readonly scheme: string;
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of parameters. */
  readonly token68: string | undefined;
  /** Its parameters, names in lower case, values unquoted; an object without a prototype. */
  readonly params: Readonly<Record<string, string>>;
}

// tchar of RFC 9110 section 5.6.2, and the characters of a token68 (section 11.2) before its "=".
const TCHAR = /[!#$%&'*+\-.^_`|~\w]/;
const T68CHAR = /[-.~+/\w]/;

/**
 * The challenges of a `WWW-Authenticate` header, in order. Several header lines may be given as
 * an array or joined with commas, as `fetch` and Node join them. What does not parse is skipped up
 * to the next comma; nothing here throws.
 */
export function parseChallenges(header: string | readonly string[] | null | undefined): Challenge[] {
  const text = typeof header === 'string' ? header : (header ?? []).join(', ');
  const challenges: Challenge[] = [];
  let i = 0;
  const at = (): string => text.charAt(i);
  /** Moves past the characters `test` takes, and gives them. */
  const run = (test: RegExp | string): string => {
    const start = i;
    while (i < text.length && (typeof test === 'string' ? test.includes(at()) : test.test(at()))) i += 1;
    return text.slice(start, i);
  };
  const toComma = (): string => run(/[^,]/);
  /** True when a parameter (`name =`) starts here; nothing moves. */
  const paramAhead = (): boolean => {
    const start = i;
    const param = run(TCHAR) !== '' && (run(' \t'), at() === '=');
    i = start;
    return param;
  };
  for (;;) {
    // Spaces, and the empty list elements RFC 9110 allows: `, ,`.
    run(' \t,');
    if (i >= text.length) return challenges;
    const scheme = run(TCHAR);
    if (scheme === '') {
      toComma();
      continue;
    }
    const params = Object.create(null) as Record<string, string>;
    run(' \t');
    // A token68 fills the rest of its challenge; `name=value` and `name="..."` do not.
    const start = i;
    let token68: string | undefined = run(T68CHAR) + run('=');
    run(' \t');
    if (token68 === '' || (i < text.length && at() !== ',')) {
      token68 = undefined;
      i = start;
    }
    challenges.push({ scheme, token68, params });
    // Parameters, as long as what follows each comma is `name =`; anything else is the next challenge.
    while (token68 === undefined && paramAhead()) {
      const name = run(TCHAR).toLowerCase();
      run(' \t');
      i += 1;
      run(' \t');
      let value = '';
      if (at() === '"') {
        // A quoted string with its escapes; an unclosed one ends with the header.
        for (i += 1; i < text.length && at() !== '"'; i += 1) {
          if (at() === '\\') i += 1;
          value += at();
        }
        i += 1;
      } else value = run(TCHAR);
      // The first of a repeated parameter counts; RFC 9110 forbids repeating one.
      if (!(name in params)) params[name] = value;
      run(' \t');
      if (at() !== ',') break;
      const comma = i;
      run(' \t,');
      if (!paramAhead()) i = comma;
    }
    // Whatever is left of a malformed challenge, up to the next comma.
    toComma();
  }
}
