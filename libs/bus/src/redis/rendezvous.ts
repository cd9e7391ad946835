import { createHash } from 'node:crypto';

/**
 * The weight of `member` for `key`: the first 64 bits of SHA-256 over `${member}\u0000${key}`.
 * SHA-256 rather than FNV-1a: worker ids and market ids differ only in a few trailing characters,
 * and FNV's weak avalanche skews highest-random-weight picks on such inputs; the cost (members ×
 * markets hashes per tick, a few hundred at most) is negligible. The NUL separator keeps
 * ('a', 'bc') and ('ab', 'c') apart.
 */
export function rendezvousWeight(key: string, member: string): bigint {
  return createHash('sha256').update(`${member}\u0000${key}`).digest().readBigUInt64BE(0);
}

/**
 * Rendezvous (highest-random-weight) hashing: the member with the highest weight for `key` owns
 * it. Every process computes the same owner from the same member set, whatever its order; a
 * member joining or leaving moves only the keys it wins or held. Ties (practically impossible)
 * go to the smaller member id so the result stays deterministic. Undefined when there are no
 * members.
 */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const member of members) {
    const weight = rendezvousWeight(key, member);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}
