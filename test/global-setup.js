// Tests assume UTC (dates in fixtures and messages); workers inherit this.
export default async function globalSetup() {
  process.env.TZ = 'UTC';
}
