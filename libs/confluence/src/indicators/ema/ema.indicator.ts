import { CloseAverage, SeededEma } from '../shared/moving-averages.js';

/** Exponential moving average of closes, TA-Lib seeding (see SeededEma). */
export class CloseEma extends CloseAverage {
  constructor(period: number) {
    super(new SeededEma(period));
  }
}
