// ONNX Runtime side of bench/compare.py: loads MODEL with onnxruntime-node (CPU execution
// provider, default graph optimisations), feeds random inputs of the model's declared shapes
// (symbolic dims = 1), and prints one JSON line shaped like `onyx bench --json`. With
// --profile, ONNX Runtime's profiler is on and the line also has "nodes": each node after ORT's
// fusions, in the order it ran, as name, op and its mean ms over the timed runs (as
// `onyx bench --json --profile`).
// With --interval MS it idles MS milliseconds before each timed run (as `onyx bench --interval`).
// --input NAME=FILE:TYPE:DIMS feeds input NAME from FILE, raw little-endian elements of ORT type
// TYPE (float32, int64, ...) and shape DIMS (e.g. 3x3x96x128; empty for a scalar), instead of
// random values (bench/compare.py passes a model folder's test inputs this way).
//   node bench/ort_bench.mjs MODEL --threads N --runs N --warmup N [--interval MS] [--profile]
//        [--input NAME=FILE:TYPE:DIMS ...]
import { createRequire } from 'module';
import { performance } from 'perf_hooks';
import process from 'process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
const require = createRequire(import.meta.url);
const ort = require(process.env.ORT_NODE_DIR || new URL('./ort/node_modules/onnxruntime-node', import.meta.url).pathname);

const args = process.argv.slice(2);
const model = args[0];
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const threads = opt('--threads', 1), runs = opt('--runs', 20), warmup = opt('--warmup', 3);
const interval = opt('--interval', 0);
const idle = ms => new Promise(resolve => setTimeout(resolve, ms));
const profile = args.includes('--profile');
const profileDir = profile ? mkdtempSync(join(tmpdir(), 'ort-profile-')) : null;

// Seeded so both runtimes' inputs have the same ranges run to run (values need not match).
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; };
const makers = {
  float32: n => Float32Array.from({ length: n }, () => rnd() * 2 - 1),
  float64: n => Float64Array.from({ length: n }, () => rnd() * 2 - 1),
  int64: n => BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rnd() * 256))),
  int32: n => Int32Array.from({ length: n }, () => Math.floor(rnd() * 256)),
  uint8: n => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)),
  int8: n => Int8Array.from({ length: n }, () => Math.floor(rnd() * 256) - 128),
  bool: n => Uint8Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0)),
};

const t0 = performance.now();
const session = await ort.InferenceSession.create(model, {
  executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
  executionMode: 'sequential', graphOptimizationLevel: 'all',
  ...(profile ? { enableProfiling: true, profileFilePrefix: join(profileDir, 'ort') } : {}),
});
const feeds = {};
const arrays = { float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
                 uint8: Uint8Array, int8: Int8Array, bool: Uint8Array };
args.forEach((a, i) => {
  if (a !== '--input') return;
  const spec = args[i + 1], eq = spec.indexOf('=');
  const [file, type, dims] = spec.slice(eq + 1).split(':');
  const bytes = readFileSync(file);
  const Array_ = arrays[type];
  if (!Array_) throw new Error(`--input ${spec}: type ${type} not handled`);
  const data = new Array_(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  feeds[spec.slice(0, eq)] = new ort.Tensor(type, data, dims ? dims.split('x').map(Number) : []);
});
for (const meta of session.inputMetadata) {
  if (meta.name in feeds) continue;
  const dims = meta.shape.map(d => (typeof d === 'number' && d >= 0 ? d : 1));
  const n = dims.reduce((a, b) => a * b, 1);
  const make = makers[meta.type];
  if (!make) throw new Error(`input ${meta.name}: dtype ${meta.type} not handled`);
  feeds[meta.name] = new ort.Tensor(meta.type, make(n), dims);
}
const load = performance.now() - t0;
for (let i = 0; i < warmup; ++i) await session.run(feeds);
const times = [];
for (let i = 0; i < runs; ++i) {
  if (interval > 0) await idle(interval);
  const a = performance.now();
  await session.run(feeds);
  times.push(performance.now() - a);
}
times.sort((a, b) => a - b);
const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
// VmHWM: the peak of this process image (maxRSS would include the parent's pages over fork+exec).
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const peak = hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
// Each node's kernel events, one per run in run order: the last `runs` are the timed ones.
function profiledNodes() {
  session.endProfiling();
  const file = readdirSync(profileDir).find(f => f.endsWith('.json'));
  const events = JSON.parse(readFileSync(join(profileDir, file), 'utf8'));
  rmSync(profileDir, { recursive: true, force: true });
  const byNode = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    if (!byNode.has(name)) byNode.set(name, { op: e.args?.op_name ?? '', us: [] });
    byNode.get(name).us.push(e.dur);
  }
  return [...byNode].map(([name, n]) => {
    const timed = n.us.slice(-runs);
    return { name, op: n.op, ms: timed.reduce((a, b) => a + b, 0) / timed.length / 1000 };
  });
}
console.log(JSON.stringify({ model, median_ms: median, min_ms: times[0], load_prepare_ms: load,
  peak_rss_bytes: peak, runs, threads, ...(profile ? { nodes: profiledNodes() } : {}) }));
