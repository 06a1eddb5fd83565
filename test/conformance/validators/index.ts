/**
 * Validator toolkit for the conformance suite. Every validator returns human-readable findings
 * (empty = pass) and throws when its tool is missing (run `scripts/install-test-tools.sh`).
 */
export * from './paths';
export * from './exec';
export * from './workflow-parser';
export * from './actionlint';
export * from './shellcheck';
export * from './yamllint';
export * from './crd-schema';
export * from './core-kinds';
export * from './kubernetes';
export * from './helm';
export * from './promtool';
export * from './k6';
export * from './downloads';
export * from './grafana';
export * from './kyverno-cel';
