// Synthesizes the benchmark project of synth-once.js (same apps, same options) into a directory that is
// kept, so two builds' output trees can be compared file for file (`diff -r`).
//   node benchmark/synth-tree.js <apps> <core|full> <outdir>
'use strict';
const fs = require('fs');
const path = require('path');

process.env.PROJEN_DISABLE_POST = 'true';
const apps = Number(process.argv[2] ?? '1');
const full = process.argv[3] === 'full';
const outdir = path.resolve(process.argv[4] ?? 'bench-tree');
const { benchProject } = require('./bench-project');

fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir, { recursive: true });
const project = benchProject(outdir, apps, full);
project.synth();
const files = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'files.json'), 'utf8')).files.length;
process.stdout.write(JSON.stringify({ apps, outdir, files }) + '\n');
