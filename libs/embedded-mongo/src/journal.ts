import { closeSync, fdatasyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'bson';
import { type BsonDocument, DESERIALIZE_OPTIONS, SERIALIZE_OPTIONS } from './bson-values.js';

/**
 * When the journal reaches the disk (Redis' `appendfsync`): `always` before each acknowledgement,
 * `everysec` once a second (a machine crash loses at most that second; a killed process loses
 * nothing, the operating system has every acknowledged write), `no` when the OS decides.
 */
export type FsyncPolicy = 'always' | 'everysec' | 'no';

export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'everysec', 'no'];

const PREFIX = 'embedded-mongo.journal.';
const SUFFIX = '.bson';

const fileOf = (dataDir: string, generation: number): string =>
  join(dataDir, `${PREFIX}${String(generation).padStart(10, '0')}${SUFFIX}`);

/** The journal generations present in `dataDir`, oldest first. */
export function journalGenerations(dataDir: string): number[] {
  return readdirSync(dataDir)
    .filter((name) => name.startsWith(PREFIX) && name.endsWith(SUFFIX))
    .map((name) => Number(name.slice(PREFIX.length, -SUFFIX.length)))
    .filter((generation) => Number.isInteger(generation))
    .sort((a, b) => a - b);
}

/**
 * An append-only log of the commands that changed the store, one BSON document each, written
 * before the command is acknowledged. A snapshot covers every generation before the one it names;
 * on start the snapshot is loaded and the later generations replayed in order.
 */
export class Journal {
  #fd: number;
  #dirty = false;

  private constructor(
    private readonly dataDir: string,
    private generationNumber: number,
    private readonly fsync: FsyncPolicy,
  ) {
    this.#fd = openSync(fileOf(dataDir, generationNumber), 'a');
  }

  static open(dataDir: string, generation: number, fsync: FsyncPolicy): Journal {
    return new Journal(dataDir, generation, fsync);
  }

  get generation(): number {
    return this.generationNumber;
  }

  /** Appends a command; synchronous, so it is in the file before the caller replies. */
  append(command: BsonDocument): void {
    const bytes = serialize(command, SERIALIZE_OPTIONS);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.#fd, bytes, written, bytes.length - written);
    if (this.fsync === 'always') fdatasyncSync(this.#fd);
    else this.#dirty = true;
  }

  /** Flushes appended commands to the disk (the `everysec` timer, and before a rotation or close). */
  sync(): void {
    if (!this.#dirty) return;
    fdatasyncSync(this.#fd);
    this.#dirty = false;
  }

  /** Starts the next generation and returns its number: a snapshot taken now covers every earlier one. */
  rotate(): number {
    this.sync();
    closeSync(this.#fd);
    this.generationNumber++;
    this.#fd = openSync(fileOf(this.dataDir, this.generationNumber), 'a');
    return this.generationNumber;
  }

  close(): void {
    this.sync();
    closeSync(this.#fd);
  }
}

/** Deletes the generations a durable snapshot covers. */
export function removeJournalsBefore(dataDir: string, generation: number): void {
  for (const old of journalGenerations(dataDir))
    if (old < generation) rmSync(fileOf(dataDir, old), { force: true });
}

export interface ReplayOutcome {
  readonly commands: number;
  /** Bytes at the end of the last generation that did not make a whole command (cut short by a crash). */
  readonly truncatedBytes: number;
  /** The generation to append to next. */
  readonly nextGeneration: number;
}

/** Replays, in order, every command of the generations from `fromGeneration` on. */
export function replayJournals(
  dataDir: string,
  fromGeneration: number,
  apply: (command: BsonDocument) => void,
): ReplayOutcome {
  let commands = 0;
  let truncatedBytes = 0;
  let last = fromGeneration;
  for (const generation of journalGenerations(dataDir).filter((g) => g >= fromGeneration)) {
    const bytes = readFileSync(fileOf(dataDir, generation));
    let offset = 0;
    while (offset + 4 <= bytes.length) {
      const size = bytes.readInt32LE(offset);
      if (size < 5 || offset + size > bytes.length) break;
      apply(deserialize(bytes.subarray(offset, offset + size), DESERIALIZE_OPTIONS));
      commands++;
      offset += size;
    }
    truncatedBytes = bytes.length - offset;
    last = generation;
  }
  // A generation of its own after a replay: a torn tail is never appended to.
  return { commands, truncatedBytes, nextGeneration: last + 1 };
}
