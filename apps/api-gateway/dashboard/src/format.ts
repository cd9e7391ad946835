/** Display rules shared by the table, the detail view and the analyze panel. */

export const DASH = '–';

/** A 0–100 score with one decimal, as the gateway's log lines print it. */
export function formatScore(score: number | null | undefined): string {
  return score == null ? DASH : score.toFixed(1);
}

/** A 0–1 fraction as a whole percentage. */
export function formatFraction(value: number | null | undefined): string {
  return value == null ? DASH : `${Math.round(value * 100)} %`;
}

/** A 0–100 value (confidence) as a whole number. */
export function formatWhole(value: number | null | undefined): string {
  return value == null ? DASH : String(Math.round(value));
}

/** A duration, coarsely: `0 s`, `45 s`, `12 min`, `3 h`, `2 d`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return DASH;
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

/** A signed statistic (an IC, a return) with three decimals. */
export function formatSigned(value: number | null | undefined, digits = 3): string {
  if (value == null) return DASH;
  const text = value.toFixed(digits);
  return value > 0 ? `+${text}` : text;
}

/** `2021-02-19 15:30 UTC` for an open time (ms or ISO). */
export function formatTime(time: number | string): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? DASH : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The score's colour: red (0, SHORT side) through grey (50) to green (100, LONG side), saturation
 * growing with the distance from 50, so the table reads at a glance.
 */
export function scoreColor(score: number | null | undefined): string {
  if (score == null) return 'transparent';
  const clamped = Math.min(100, Math.max(0, score));
  const hue = clamped >= 50 ? 140 : 0;
  const strength = Math.abs(clamped - 50) / 50;
  return `hsl(${hue} ${Math.round(15 + 55 * strength)}% ${Math.round(88 - 30 * strength)}%)`;
}

/** `BTC/USDT` → `BTC-USDT`, as REST paths write symbols. */
export function pathSymbol(symbol: string): string {
  return symbol.replace('/', '-');
}

/** Component names for people: `priceStructure` → `price structure`. */
export function humanize(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
