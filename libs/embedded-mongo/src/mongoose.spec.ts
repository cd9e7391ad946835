import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError } from 'mongodb';
import mongoose, { Schema, type Connection } from 'mongoose';
import { EmbeddedMongoServer } from './embedded-mongo.server.js';

interface Account {
  email: string;
  plan: string;
  createdAt: Date;
  logins: number;
}

// Shorthand field types: option literals trip @typescript-eslint/no-unsafe-class-instance-assignment.
const accountSchema = new Schema<Account>({ email: String, plan: String, createdAt: Date, logins: Number });
accountSchema.index({ email: 1 }, { unique: true });
accountSchema.index({ plan: 1, createdAt: -1 });

describe('EmbeddedMongoServer with mongoose', () => {
  let server: EmbeddedMongoServer;
  let connection: Connection;

  beforeAll(async () => {
    server = await EmbeddedMongoServer.start({ logger: { warn: () => undefined } });
    connection = await mongoose.createConnection(server.uri, { dbName: 'shop' }).asPromise();
  });

  afterAll(async () => {
    await connection.close();
    await server.stop();
  });

  it('builds the schema indexes and surfaces a duplicate as MongoServerError 11000', async () => {
    const Accounts = connection.model<Account>('Account', accountSchema);
    await Accounts.init();
    await Accounts.syncIndexes();
    const indexes = await Accounts.listIndexes();
    expect(indexes.map((index: { name?: string }) => index.name)).toEqual([
      '_id_',
      'email_1',
      'plan_1_createdAt_-1',
    ]);

    const createdAt = new Date('2024-03-04T05:06:07.000Z');
    const first = await Accounts.create({ email: 'ada@example.com', plan: 'free', createdAt, logins: 0 });
    const duplicate = await Accounts.create({ email: 'ada@example.com', createdAt }).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(MongoServerError);
    expect(duplicate).toMatchObject({
      name: 'MongoServerError',
      code: 11000,
      keyValue: { email: 'ada@example.com' },
    });

    await Accounts.findOneAndUpdate({ email: 'ada@example.com' }, { $inc: { logins: 1 } });
    const found = await Accounts.findById(first._id).lean();
    expect(found).toMatchObject({ email: 'ada@example.com', plan: 'free', logins: 1, createdAt });

    await Accounts.updateOne(
      { email: 'bob@example.com' },
      { $setOnInsert: { createdAt, plan: 'pro' } },
      { upsert: true },
    );
    expect(await Accounts.countDocuments({ plan: 'pro' })).toBe(1);
    expect(await Accounts.find().sort({ email: -1 }).distinct('email')).toEqual([
      'ada@example.com',
      'bob@example.com',
    ]);
    expect((await Accounts.deleteMany({})).deletedCount).toBe(2);
  });
});
