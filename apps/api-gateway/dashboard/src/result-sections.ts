import { bar, el } from './dom.js';
import {
  DASH,
  formatDuration,
  formatFraction,
  formatScore,
  formatSigned,
  formatTime,
  formatWhole,
  humanize,
  scoreColor,
} from './format.js';
import type { FullResult, HorizonPerformance, Opinion, PerformanceReport, Signal } from './types.js';

/*
 * The parts of a result a person reads, as elements: used by the market detail and the analyze
 * panel alike. Every value is set as text.
 */

export function labelBadge(label: Signal): HTMLElement {
  return el('span', { className: `badge label-${label.toLowerCase()}`, text: label });
}

/** Score, label, confidence, coverage and when: the result's headline. */
export function summary(result: FullResult): HTMLElement {
  const score = el('span', {
    className: 'big-score',
    text: formatScore(result.score),
    attrs: { 'data-field': 'score' },
  });
  score.style.background = scoreColor(result.score);
  const facts: [string, string][] = [
    ['confidence', formatWhole(result.confidence)],
    ['coverage', formatFraction(result.coverage)],
    ['staleness', formatDuration(result.stalenessMs)],
    ['candle', formatTime(result.candleTime)],
    ['source', result.source ?? DASH],
  ];
  return el(
    'div',
    { className: 'summary' },
    score,
    labelBadge(result.label),
    el(
      'dl',
      { className: 'facts' },
      ...facts.flatMap(([name, value]) => [
        el('dt', { text: name }),
        el('dd', { text: value, attrs: { 'data-field': name } }),
      ]),
    ),
  );
}

/** Each timeframe's components: score bar, weights, coverage, sub-scores, and why data is missing. */
export function breakdown(result: FullResult): HTMLElement {
  const sections = result.timeframes.map((timeframe) => {
    const rows = timeframe.components.map((component) => {
      const subScores = component.subScores.map((sub) => `${sub.name} ${formatScore(sub.score)}`).join(' · ');
      const missing = Object.entries(component.missing)
        .map(([name, why]) => `${name}: ${why}`)
        .join('; ');
      return el(
        'tr',
        { attrs: { 'data-component': component.component } },
        el('th', { text: humanize(component.component), attrs: { scope: 'row' } }),
        el('td', { className: 'num', text: formatScore(component.score) }),
        el(
          'td',
          {},
          bar(
            component.score,
            scoreColor(component.score),
            `${humanize(component.component)} ${formatScore(component.score)}`,
          ),
        ),
        el('td', {
          className: 'num',
          text: `${formatFraction(component.weight)} → ${formatFraction(component.effectiveWeight)}`,
        }),
        el('td', { className: 'num', text: formatFraction(component.coverage) }),
        el('td', {
          className: 'subs',
          text:
            [subScores, missing && `missing: ${missing}`].filter((part) => part !== '').join(' — ') || DASH,
        }),
      );
    });
    return el(
      'div',
      { className: 'table-wrap' },
      el(
        'table',
        { className: 'breakdown', attrs: { 'data-timeframe': timeframe.timeframe } },
        el('caption', {
          text: `${timeframe.timeframe}: ${formatScore(timeframe.score)} ${timeframe.label}, coverage ${formatFraction(timeframe.coverage)}`,
        }),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['component', 'score', '', 'weight → effective', 'coverage', 'sub-scores'].map((text) =>
              el('th', { text, attrs: { scope: 'col' } }),
            ),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    );
  });
  return el(
    'div',
    { className: 'breakdowns' },
    el('p', { className: 'reasoning', text: result.reasoning, attrs: { 'data-field': 'reasoning' } }),
    ...sections,
  );
}

/** P(close h candles later > close now) for this score, by horizon; absent until the first fit. */
export function probability(result: FullResult): HTMLElement {
  const entries = Object.entries(result.probability ?? {});
  if (entries.length === 0)
    return el('p', {
      className: 'muted',
      text: 'No probability yet (the first fit comes one refresh after start).',
    });
  return el(
    'ul',
    { className: 'probability' },
    ...entries.map(([horizon, p]) =>
      el('li', {
        text: p.sufficient
          ? `${horizon} candle(s): P(up) ${formatFraction(p.up)} (n ${p.n}, Brier ${p.brier.toFixed(3)} vs ${p.brierBase.toFixed(3)} base)`
          : `${horizon} candle(s): insufficient data (n ${p.n})`,
      }),
    ),
  );
}

export function opinion(value: Opinion | undefined): HTMLElement {
  if (value === undefined) return el('p', { className: 'muted', text: 'No LLM opinion for this result.' });
  if (value.status === 'unavailable')
    return el('p', { className: 'muted', text: `Unavailable (${value.reason}): ${value.detail}` });
  return el(
    'div',
    { className: 'opinion' },
    el(
      'p',
      {},
      labelBadge(value.signal),
      ` confidence ${formatFraction(value.confidence)} · ${value.agrees ? 'agrees with' : 'disagrees with'} the engine · ${value.model}`,
    ),
    el('p', { text: value.reasoning }),
    value.risks.length > 0 && el('ul', {}, ...value.risks.map((risk) => el('li', { text: risk }))),
    value.blended !== undefined &&
      el('p', {
        text: `blended (weight ${value.blended.weight}): ${formatScore(value.blended.score)} ${value.blended.label}`,
      }),
  );
}

function hitRates(horizon: HorizonPerformance): string {
  const labels = horizon.labels?.byLabel;
  if (labels === undefined) return DASH;
  return (['LONG', 'NEUTRAL', 'SHORT'] as const)
    .map(
      (label) =>
        `${label} ${labels[label].hitRate === null ? DASH : formatFraction(labels[label].hitRate)} (n ${labels[label].n})`,
    )
    .join(' · ');
}

/** Forward validation: the score's IC and the labels' hit rates per horizon, or "insufficient data". */
export function performance(report: PerformanceReport): HTMLElement {
  const rows = report.horizons.map((horizon) => {
    const cells = horizon.sufficient
      ? [
          el('td', {
            className: 'num',
            text: `${formatSigned(horizon.score.ic)}${horizon.score.interval === null ? '' : ` [${formatSigned(horizon.score.interval.low)}, ${formatSigned(horizon.score.interval.high)}]`}`,
          }),
          el('td', { text: hitRates(horizon) }),
        ]
      : [
          el('td', {
            text: `insufficient data (${horizon.independent} of ${report.minIndependent} independent returns)`,
            attrs: { colspan: '2' },
          }),
        ];
    return el(
      'tr',
      { attrs: { 'data-horizon': String(horizon.horizon) } },
      el('th', { text: String(horizon.horizon), attrs: { scope: 'row' } }),
      el('td', { className: 'num', text: String(horizon.n) }),
      ...cells,
    );
  });
  return el(
    'div',
    { className: 'table-wrap' },
    el(
      'table',
      { className: 'performance' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['horizon (candles)', 'n', 'IC [95 %]', 'hit rate'].map((text) =>
            el('th', { text, attrs: { scope: 'col' } }),
          ),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
  );
}
