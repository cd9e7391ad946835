/**
 * `@app/validation/backtest`: replaying candle files through the worker's analysis path, with
 * baselines, reports and weight calibration (the CLI's `backtest` and `calibrate`). An entry of
 * its own because it loads the engine and @app/analysis, which the statistics (`@app/validation`)
 * must not drag into whatever imports them.
 */
export * from './backtest/backtest.types.js';
export * from './backtest/backtest-runner.js';
export * from './backtest/backtest-report.js';
export * from './backtest/baselines.js';
export * from './backtest/calibrate.js';
export * from './backtest/report-table.js';
export * from './backtest/technical-rating.js';
export * from './backtest/weighted-score.js';
export * from './backtest/weights-yaml.js';
