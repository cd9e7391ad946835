import type { Connection } from 'mongoose';
import { createRepositories, type StoreRepositories } from '../models.js';

/** The repositories on `connection`, with the default retention, once every index is built. */
export async function indexedRepositories(connection: Connection): Promise<StoreRepositories> {
  const repos = createRepositories(connection, {
    resultsRetentionDays: 30,
    signalsRetentionDays: 365,
    orderBookRetentionDays: 90,
  });
  await Promise.all(repos.models.map((m) => m.init()));
  return repos;
}
