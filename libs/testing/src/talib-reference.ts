import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * TA-Lib itself as the oracle for indicator tests: the TA-Lib C library compiled to WebAssembly
 * (npm `talib-web`, BSD-3-Clause; https://github.com/ancheGT/talib-web, from TA-Lib 0.4).
 * Its own JS wrapper passes null for TA-Lib's outBegIdx/outNBElement and reads one element past
 * the input, so we call the exported C functions directly with the documented signature:
 * TA_X(startIdx, endIdx, inputs..., options..., &outBegIdx, &outNBElement, outputs...).
 */
interface TalibModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPF64: Float64Array;
  HEAP32: Int32Array;
  ccall(name: string, returnType: 'number', argTypes: 'number'[], args: number[]): number;
}

interface TalibWeb {
  init(wasmPath: string): Promise<TalibModule>;
}

export interface TalibReference {
  /** Outputs aligned to the input (null where TA-Lib gives none), one array per TA-Lib output. */
  call(
    fn: string,
    inputs: readonly (readonly number[])[],
    options: readonly number[],
    outputs: number,
  ): (number | null)[][];
  /** The single output of a one-output function. */
  series(fn: string, inputs: readonly (readonly number[])[], options: readonly number[]): (number | null)[];
}

export async function loadTalib(): Promise<TalibReference> {
  const require = createRequire(import.meta.url);
  const talib = require('talib-web') as TalibWeb;
  const wasm = path.join(path.dirname(require.resolve('talib-web')), 'talib.wasm');
  // The Emscripten loader prefers fetch() whenever it exists, and fetch cannot read a file path.
  const fetch = globalThis.fetch;
  Reflect.deleteProperty(globalThis, 'fetch');
  let module: TalibModule;
  try {
    module = await talib.init(wasm);
  } finally {
    globalThis.fetch = fetch;
  }
  const reference: TalibReference = {
    call(fn, inputs, options, outputs) {
      const n = inputs[0]?.length ?? 0;
      const allocated: number[] = [];
      const alloc = (bytes: number): number => {
        const pointer = module._malloc(bytes);
        allocated.push(pointer);
        return pointer;
      };
      try {
        const args = [0, n - 1];
        for (const input of inputs) {
          const pointer = alloc(n * 8);
          module.HEAPF64.set(input, pointer / 8);
          args.push(pointer);
        }
        args.push(...options);
        const begin = alloc(4);
        const count = alloc(4);
        args.push(begin, count);
        const outPointers = Array.from({ length: outputs }, () => alloc(n * 8));
        args.push(...outPointers);
        const code = module.ccall(
          `TA_${fn}`,
          'number',
          args.map(() => 'number'),
          args,
        );
        if (code !== 0) throw new Error(`TA_${fn} returned ${code}`);
        const first = module.HEAP32[begin / 4] as number;
        const produced = module.HEAP32[count / 4] as number;
        return outPointers.map((pointer) => {
          const out = new Array<number | null>(n).fill(null);
          for (let i = 0; i < produced; i++) out[first + i] = module.HEAPF64[pointer / 8 + i] as number;
          return out;
        });
      } finally {
        for (const pointer of allocated) module._free(pointer);
      }
    },
    series(fn, inputs, options) {
      const [output] = reference.call(fn, inputs, options, 1);
      if (output === undefined) throw new Error(`TA_${fn} produced no output`);
      return output;
    },
  };
  return reference;
}
