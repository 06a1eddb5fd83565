// One measurement, in its own process so peak memory is its own: construct a TypeScriptProject with
// <apps> PlatformApps of 3 environments each (0 = bare projen), synthesize it into a temp dir, print JSON.
//   node benchmark/synth-once.js <apps> [core|full]
// core: the app with its defaults (build with scan/SBOM/signing/provenance, deploys, summary);
// full: plus every stage of the enterprise example (scans, tests, canary, rules, routing, dashboards).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

process.env.PROJEN_DISABLE_POST = 'true';
const apps = Number(process.argv[2] ?? '1');
const full = process.argv[3] === 'full';
const { benchProject } = require('./bench-project');

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-bench-'));
const start = performance.now();
const cpuStart = process.cpuUsage();
const project = benchProject(outdir, apps, full);
project.synth();
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
const files = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'files.json'), 'utf8')).files.length;
fs.rmSync(outdir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ apps, ms, cpuMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, files }) + '\n');
