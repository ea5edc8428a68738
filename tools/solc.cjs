#!/usr/bin/env node
// A native-solc look-alike over solc-js (the npm package `solc`), so that
// py-solc-x, ape-solidity and Slither compile offline: no solc binary is ever
// downloaded. It answers the three calls those tools make:
//
//   solc --version                      -> "Version: <x>+commit.<y>..." line
//   solc --standard-json [...]          -> standard JSON in on stdin, out on stdout
//   solc --combined-json KEYS file.sol  -> legacy combined JSON (Slither)
//
// Imports are resolved against --base-path, --include-path and the given
// --allow-paths, like the native CLI does. stdout is written once and the
// process exits only from the write callback: exiting right after a large
// write truncates the output at 64 KiB on a pipe.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

function parseArgs(argv) {
  const opts = { files: [], includePaths: [], allowPaths: [], remappings: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      i += 1;
      if (i >= argv.length) fail(`option ${arg} needs a value`);
      return argv[i];
    };
    if (arg === '--version') opts.version = true;
    else if (arg === '--standard-json') opts.standardJson = true;
    else if (arg === '--combined-json') opts.combinedJson = next();
    else if (arg === '--base-path') opts.basePath = next();
    else if (arg === '--include-path') opts.includePaths.push(next());
    else if (arg === '--allow-paths') opts.allowPaths.push(...next().split(','));
    else if (arg === '--optimize') opts.optimize = true;
    else if (arg === '--optimize-runs') opts.optimizeRuns = Number(next());
    else if (arg === '--evm-version') opts.evmVersion = next();
    else if (arg === '--via-ir') opts.viaIR = true;
    else if (arg === '-' ) opts.stdinSource = true;
    else if (arg.startsWith('--')) fail(`unrecognised option '${arg}'`);
    else if (arg.includes('=') && !fs.existsSync(arg)) opts.remappings.push(arg);
    else opts.files.push(arg);
  }
  return opts;
}

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

function writeAndExit(text, code = 0) {
  process.stdout.write(text, () => process.exit(code));
}

function readStdin() {
  return fs.readFileSync(0, 'utf8');
}

function makeImportCallback(opts) {
  const roots = [opts.basePath, ...opts.includePaths, ...opts.allowPaths, process.cwd()]
    .filter(Boolean)
    .map((p) => path.resolve(p));
  return function findImports(importPath) {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(', ')})` };
  };
}

function standardJson(opts) {
  const input = readStdin();
  const output = solc.compile(input, { import: makeImportCallback(opts) });
  writeAndExit(output);
}

// The legacy --combined-json output that Slither reads, built from a standard
// JSON compile of the files named on the command line.
function combinedJson(opts) {
  const keys = opts.combinedJson.split(',').map((k) => k.trim());
  const sources = {};
  for (const file of opts.files) {
    sources[file] = { content: fs.readFileSync(file, 'utf8') };
  }
  const settings = {
    remappings: opts.remappings,
    optimizer: { enabled: Boolean(opts.optimize), runs: opts.optimizeRuns || 200 },
    outputSelection: {
      '*': {
        '*': ['abi', 'evm.bytecode', 'evm.deployedBytecode', 'evm.methodIdentifiers', 'userdoc', 'devdoc'],
        '': ['ast'],
      },
    },
  };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  if (opts.viaIR) settings.viaIR = true;
  const input = { language: 'Solidity', sources, settings };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: makeImportCallback(opts) }));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  for (const e of out.errors || []) process.stderr.write(`${e.formattedMessage || e.message}\n`);
  if (errors.length) process.exit(1);

  const contracts = {};
  for (const [file, byName] of Object.entries(out.contracts || {})) {
    for (const [name, c] of Object.entries(byName)) {
      const entry = {};
      if (keys.includes('abi')) entry.abi = c.abi;
      if (keys.includes('bin')) entry.bin = c.evm.bytecode.object;
      if (keys.includes('bin-runtime')) entry['bin-runtime'] = c.evm.deployedBytecode.object;
      if (keys.includes('srcmap')) entry.srcmap = c.evm.bytecode.sourceMap || '';
      if (keys.includes('srcmap-runtime')) entry['srcmap-runtime'] = c.evm.deployedBytecode.sourceMap || '';
      if (keys.includes('hashes')) entry.hashes = c.evm.methodIdentifiers;
      if (keys.includes('userdoc')) entry.userdoc = c.userdoc;
      if (keys.includes('devdoc')) entry.devdoc = c.devdoc;
      contracts[`${file}:${name}`] = entry;
    }
  }
  const sourceList = Object.keys(out.sources || {});
  const result = { contracts, sourceList, version: solc.version() };
  if (keys.includes('ast')) {
    result.sources = {};
    for (const [file, s] of Object.entries(out.sources || {})) result.sources[file] = { AST: s.ast, id: s.id };
  }
  writeAndExit(JSON.stringify(result));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    writeAndExit(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  } else if (opts.standardJson) {
    standardJson(opts);
  } else if (opts.combinedJson) {
    combinedJson(opts);
  } else {
    fail('this solc-js wrapper supports --version, --standard-json and --combined-json only');
  }
}

main();
