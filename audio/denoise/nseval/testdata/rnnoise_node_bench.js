// node rnnoise_node_bench.js RNNOISE_WASM FRAMES_F32 N
//
// Runs the npm package's rnnoise.wasm (@jitsi/rnnoise-wasm 0.2.1) under
// node, whose V8 compiles WebAssembly to native code, on the frames in
// FRAMES_F32 (float32 little-endian samples in [-1, 1] at 48 kHz), N frames
// of 480 after a warm-up that lets V8's optimising tier compile the hot
// functions, and prints node's own process CPU time and wall time per frame:
//   cpu-ns/frame C wall-ns/frame W frames N
// BenchmarkRNNoiseNode (nseval) runs it. The imports are emscripten's glue
// (dist/rnnoise.js) as rnnoise.Load provides them to wazero: "a" grows the
// heap, "b" copies memory.
'use strict';
const fs = require('fs');
const [wasmPath, framesPath, nArg] = process.argv.slice(2);
const n = Number(nArg);
if (!wasmPath || !framesPath || !(n > 0)) {
  console.error('usage: node rnnoise_node_bench.js RNNOISE_WASM FRAMES_F32 N');
  process.exit(2);
}
let mem;
const imports = {
  a: {
    a: (requested) => {
      const cur = mem.buffer.byteLength;
      if (requested <= cur) return 1;
      try { mem.grow((requested - cur + 65535) >> 16); return 1; } catch (e) { return 0; }
    },
    b: (dst, src, len) => { new Uint8Array(mem.buffer).copyWithin(dst, src, src + len); },
  },
};
(async () => {
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), imports);
  const e = instance.exports;
  mem = e.c;
  e.d(); // __wasm_call_ctors
  const st = e.f(0); // rnnoise_create(NULL): the built-in model
  const buf = e.g(4 * 480); // malloc
  const raw = fs.readFileSync(framesPath);
  const x = new Float32Array(raw.buffer, raw.byteOffset, raw.length >> 2);
  const frames = Math.floor(x.length / 480);
  const run = (count) => {
    for (let i = 0; i < count; i++) {
      const off = (i % frames) * 480;
      const f = new Float32Array(mem.buffer, buf, 480);
      for (let j = 0; j < 480; j++) f[j] = x[off + j] * 32768;
      e.j(st, buf, buf); // rnnoise_process_frame
    }
  };
  run(2000);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  run(n);
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0);
  console.log(`cpu-ns/frame ${Math.round((c.user + c.system) * 1000 / n)} wall-ns/frame ${Math.round(wall / n)} frames ${n}`);
})().catch((err) => { console.error(err); process.exit(1); });
