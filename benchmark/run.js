// Synth benchmark: wall time and peak memory for 1, 10, 50 and 100 apps x 3 environments in one
// project, beside a bare projen project of the same kind; the median of REPEAT runs, each in a fresh
// process. Needs the compiled library (`npx projen compile`). Run: `npx projen benchmark`.
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');

const SIZES = (process.env.BENCH_SIZES ?? '1,10,50,100').split(',').map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? '3');
const once = path.join(__dirname, 'synth-once.js');

function measure(apps, mode) {
  const runs = [];
  for (let i = 0; i < REPEAT; i++) runs.push(JSON.parse(execFileSync(process.execPath, [once, String(apps), mode], { encoding: 'utf8', maxBuffer: 1 << 26 })));
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { apps, ms: median(runs.map((r) => r.ms)), cpu: median(runs.map((r) => r.cpuMs)), rss: median(runs.map((r) => r.maxRssMiB)), files: runs[0].files };
}

const bare = measure(0, 'core');
const rows = ['| apps × 3 envs | app definition | files | synth wall time | CPU time | ms per app | ratio to bare projen | peak RSS |', '|---|---|---|---|---|---|---|---|',
  `| 0 (bare projen) | – | ${bare.files} | ${bare.ms.toFixed(0)} ms | ${bare.cpu.toFixed(0)} ms | – | 1.0 | ${bare.rss.toFixed(0)} MiB |`];
for (const mode of (process.env.BENCH_MODES ?? 'core,full').split(',')) {
  for (const n of SIZES) {
    const m = measure(n, mode);
    rows.push(`| ${n} | ${mode} | ${m.files} | ${m.ms.toFixed(0)} ms | ${m.cpu.toFixed(0)} ms | ${((m.ms - bare.ms) / n).toFixed(1)} | ${(m.ms / bare.ms).toFixed(1)} | ${m.rss.toFixed(0)} MiB |`);
  }
}
console.log(`node ${process.version}, ${require('os').cpus().length} cores (${require('os').cpus()[0].model}), median of ${REPEAT} runs, load average ${require('os').loadavg()[0].toFixed(1)} at the end`);
console.log(rows.join('\n'));
