/**
 * What the fake does with one request. Error kinds answer in the API's recorded error formats;
 * the 200 kinds differ only in the completion they carry (see `completions.ts` for each body).
 */
export type FakeOpenAiBehaviour =
  /** A valid completion; `content` default: `options.answer(request body)`. */
  | { readonly kind: 'ok'; readonly content?: string }
  /**
   * 429 with `x-ratelimit-*` headers. `retry-after` (seconds) and `retry-after-ms` are sent as
   * given; with neither given, `retry-after: 1`. `insufficientQuota` gives the 429 the API sends
   * when the account's credit is gone (code `insufficient_quota`, retrying does not help).
   */
  | {
      readonly kind: 'rate-limit';
      readonly retryAfterSeconds?: number;
      readonly retryAfterMs?: number;
      readonly insufficientQuota?: boolean;
    }
  /** 401 `invalid_api_key` (a revoked or mistyped key). */
  | { readonly kind: 'unauthorized' }
  /** 403 `unsupported_country_region_territory`. */
  | { readonly kind: 'forbidden' }
  /** 500 by default; 502 and 503 have their own messages. */
  | { readonly kind: 'server-error'; readonly status?: number }
  /** The request is read, then never answered (the client must time out); released by `close()`. */
  | { readonly kind: 'hang' }
  /** 200; the message content is prose, not JSON. */
  | { readonly kind: 'invalid-json' }
  /** 200; the content is JSON that breaks the opinion schema (signal, range and type). */
  | { readonly kind: 'schema-violation' }
  /** 200; `content` null and `refusal` set, as structured outputs report a refusal. */
  | { readonly kind: 'refusal' }
  /** 200; `finish_reason: 'length'` and the content cut mid-JSON. */
  | { readonly kind: 'truncated' }
  /**
   * 200 whose HTTP body is not JSON. Default: `application/json` cut short (the SDK's
   * `response.json()` throws a SyntaxError); `text/html`: a proxy's HTML page (the SDK resolves
   * with the page as a string instead of a completion).
   */
  | { readonly kind: 'malformed-body'; readonly contentType?: 'application/json' | 'text/html' };

export type FakeOpenAiBehaviourKind = FakeOpenAiBehaviour['kind'];

/** One request the fake received, in arrival order. */
export interface FakeOpenAiRequest {
  /** The bearer token received ('' when none was sent). Tests assert key rotation with it. */
  readonly key: string;
  readonly method: string;
  /** e.g. '/v1/chat/completions' (no query string). */
  readonly path: string;
  /** The parsed JSON body (or the raw text when it did not parse; '' for an empty body). */
  readonly body: unknown;
  /** From the `now` option (default `Date.now`), when the body had been read. */
  readonly receivedAt: number;
  /**
   * The behaviour that answered it, or 'rejected' when the request itself was at fault (no key,
   * unknown path, unparsable JSON, a malformed `response_format`): those consume no script entry.
   */
  readonly behaviour: FakeOpenAiBehaviourKind | 'rejected';
  /** HTTP status sent; null for a hanging request. */
  readonly status: number | null;
}

export interface FakeOpenAiOptions {
  /** The test's clock (ms) for `receivedAt` and `created`; default `Date.now`. */
  readonly now?: () => number;
  /** The valid content of an 'ok' answer, from the request body; default: a NEUTRAL opinion. */
  readonly answer?: (body: unknown) => string;
  /** Echoed when the request names no model; default 'gpt-4o-mini'. */
  readonly model?: string;
}

export interface FakeOpenAiUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Answers that carried a usage block. */
  readonly requests: number;
}

/** A complete HTTP answer, ready to write. */
export interface FakeOpenAiAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}
