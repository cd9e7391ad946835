export const RejectReason = {
  Invalid: 'invalid',
  Duplicate: 'duplicate',
  OutOfOrder: 'out-of-order',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** What became of data fed to the orchestrator; a rejection leaves the stream's state untouched. */
export type FeedResult =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly reason: RejectReason; readonly detail: string };

export const ACCEPTED: FeedResult = Object.freeze({ accepted: true });

export function rejected(reason: RejectReason, detail: string): FeedResult {
  return { accepted: false, reason, detail };
}
