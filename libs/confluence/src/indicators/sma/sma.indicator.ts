import { CloseAverage, SimpleAverage } from '../shared/moving-averages.js';

/** Simple moving average of closes (identical to TA-Lib's SMA). */
export class CloseSma extends CloseAverage {
  constructor(period: number) {
    super(new SimpleAverage(period));
  }
}
