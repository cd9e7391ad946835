import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { Signal } from '@app/contracts';
import { isDuplicateKey } from '../persistence.errors.js';
import { type EngineSnapshotDocument, SNAPSHOT_MODEL } from '../schemas/snapshot.schema.js';

/** A market's saved analysis state, as the repository hands it out (times in epoch ms). */
export interface SavedSnapshot {
  readonly exchange: string;
  readonly symbol: string;
  readonly offset: string | null;
  readonly position: Readonly<Record<string, number>>;
  readonly labels: Readonly<Record<string, Signal>>;
  readonly engineVersion: string;
  readonly configHash: string;
  readonly takenAt: number;
  readonly data: string;
}

/** Orders snapshots: by log offset (`<ms>-<seq>`) where there is one, else by newest candle. */
function orderOf(snapshot: SavedSnapshot): { orderMs: number; orderSeq: number } {
  const match = snapshot.offset === null ? null : /^(\d+)-(\d+)$/.exec(snapshot.offset);
  if (match !== null) return { orderMs: Number(match[1]), orderSeq: Number(match[2]) };
  return { orderMs: Math.max(0, ...Object.values(snapshot.position)), orderSeq: 0 };
}

/** The newest engine snapshot per market; a write never replaces a newer one. */
@Injectable()
export class SnapshotRepository {
  constructor(@InjectModel(SNAPSHOT_MODEL) private readonly model: Model<EngineSnapshotDocument>) {}

  /**
   * Saves the snapshot unless the stored one is newer (a worker that lost the market may still
   * be writing an older state). Returns whether it was written.
   */
  async save(snapshot: SavedSnapshot): Promise<boolean> {
    const id = `${snapshot.exchange}:${snapshot.symbol}`;
    const { orderMs, orderSeq } = orderOf(snapshot);
    const doc: EngineSnapshotDocument = {
      _id: id,
      exchange: snapshot.exchange,
      symbol: snapshot.symbol,
      offset: snapshot.offset,
      orderMs,
      orderSeq,
      position: { ...snapshot.position },
      labels: { ...snapshot.labels },
      engineVersion: snapshot.engineVersion,
      configHash: snapshot.configHash,
      takenAt: new Date(snapshot.takenAt),
      data: snapshot.data,
      bytes: Buffer.byteLength(snapshot.data),
    };
    try {
      // Matches only an older (or equal) snapshot; none matching means either no document yet
      // (the upsert inserts) or a newer one (the insert hits the _id and is refused).
      const { _id, ...fields } = doc;
      await this.model.updateOne(
        {
          _id,
          $or: [{ orderMs: { $lt: orderMs } }, { orderMs, orderSeq: { $lte: orderSeq } }],
        },
        { $set: fields },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async load(market: { readonly exchange: string; readonly symbol: string }): Promise<SavedSnapshot | null> {
    const doc = await this.model
      .findById(`${market.exchange}:${market.symbol}`)
      .lean<EngineSnapshotDocument>()
      .exec();
    if (doc === null) return null;
    return {
      exchange: doc.exchange,
      symbol: doc.symbol,
      offset: doc.offset,
      position: doc.position,
      labels: doc.labels as Record<string, Signal>,
      engineVersion: doc.engineVersion,
      configHash: doc.configHash,
      takenAt: doc.takenAt.getTime(),
      data: doc.data,
    };
  }
}
