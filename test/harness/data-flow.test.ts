/**
 * The static data-flow check (DESIGN §2b "Data flows"): every example passes it, and each rule is proven to
 * fail on small workflows written by hand here (not by the generator), and on a mutated example.
 */
import { dataFlowProblems } from './data-flow';
import { exampleNames, loadExample } from './examples';

const DOWNLOAD = 'actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c';
const UPLOAD = 'actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f';
const SBOM = 'anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610';
const PATHS_FILTER = 'dorny/paths-filter@7b450fff21473bca461d4b92ce414b9d0420d706';

const workflow = (jobs: Record<string, any>) => ({ name: 'hand-written', on: { push: {} }, jobs });
const job = (steps: any[], extra: Record<string, any> = {}) => ({ 'runs-on': 'ubuntu-24.04', ...extra, steps });

describe.each(exampleNames())('examples/%s', (name) => {
  const ex = loadExample(name);

  test('every output read is written upstream, every download uploaded, every downloaded file read by its name', () => {
    expect(dataFlowProblems(ex.workflow)).toEqual([]);
  });

  test('every steps/needs output reference in the workflow is checked: misspelling any one is reported', () => {
    const text = JSON.stringify(ex.workflow);
    const refs = [...new Set([...text.matchAll(/\b(?:steps|needs)\.[\w-]+\.outputs\.[\w-]+/g)].map((m) => m[0]))];
    expect(refs.length).toBeGreaterThan(5);
    const unnoticed = refs.filter((r) => dataFlowProblems(JSON.parse(text.split(r).join(`${r}-typo`))).length === 0);
    expect(unnoticed).toEqual([]);
  });
});

describe('step outputs', () => {
  test('an output nobody writes is reported, one a script writes is not', () => {
    const problems = dataFlowProblems(workflow({
      build: job([
        { id: 'version', run: 'echo "tag=v1" >> "${GITHUB_OUTPUT}"\necho "other=1" >> "${GITHUB_ENV}"' },
        { id: 'use', env: { TAG: '${{ steps.version.outputs.tag }}', OTHER: '${{ steps.version.outputs.other }}' }, run: 'echo "${TAG}"' },
      ]),
    }));
    expect(problems).toEqual([expect.stringMatching(/^job build, step use: env\.OTHER reads steps\.version\.outputs\.other, but the script of step version writes no other to GITHUB_OUTPUT/)]);
  });

  test('an output the action does not declare in its manifest is reported', () => {
    const problems = dataFlowProblems(workflow({
      build: job([
        { id: 'build', uses: 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', with: { push: true } },
        { id: 'sign', if: "steps.build.outputs.digest != ''", env: { D: '${{ steps.build.outputs.image-digest }}' }, run: 'cosign sign "${D}"' },
      ]),
    }));
    expect(problems).toEqual([expect.stringMatching(/^job build, step sign: env\.D reads steps\.build\.outputs\.image-digest, but docker\/build-push-action has no output image-digest/)]);
  });

  test('an output read before its step runs, or from a step the job does not have, is reported', () => {
    const problems = dataFlowProblems(workflow({
      build: job([
        { id: 'early', if: "steps.late.outputs.ok == 'true'", run: 'true' },
        { id: 'late', run: 'echo "ok=true" >> "${GITHUB_OUTPUT}"' },
        { id: 'other', run: 'echo "${{ steps.missing.outputs.ok }}"' },
      ], { outputs: { ok: '${{ steps.late.outputs.ok }}' } }),
    }));
    expect(problems).toEqual([
      expect.stringMatching(/^job build, step early: if reads steps\.late\.outputs\.ok, but step late runs later$/),
      expect.stringMatching(/^job build, step other: run reads steps\.missing\.outputs\.ok, but the job has no step missing$/),
    ]);
  });

  test('grouped blocks, printf and heredocs to GITHUB_OUTPUT count as writes; job outputs may read any step', () => {
    const problems = dataFlowProblems(workflow({
      scan: job([
        {
          id: 'counts',
          run: [
            'if true; then',
            '  {',
            '    echo "findings-high=${h}"',
            '    echo "findings-low=${l}"',
            '  } >> "${GITHUB_OUTPUT}"',
            'fi',
            "printf 'digest=%s\\n' \"${d}\" >> \"$GITHUB_OUTPUT\"",
            "printf '%s\\n' \"url=${u}\" >> $GITHUB_OUTPUT",
            'cat <<EOF >> "${GITHUB_OUTPUT}"',
            'report<<DELIM',
            'EOF',
          ].join('\n'),
        },
      ], {
        outputs: Object.fromEntries(['findings-high', 'findings-low', 'digest', 'url', 'report'].map((o) => [o, `\${{ steps.counts.outputs.${o} }}`])),
      }),
    }));
    expect(problems).toEqual([]);
  });

  test('paths-filter sets one output per filter of its filters YAML (recorded from its source), and no other', () => {
    const filter = (read: string, extra: Record<string, string> = {}) => workflow({
      changes: job([
        { id: 'filter', uses: PATHS_FILTER, with: { filters: "app:\n  - 'app/**'\ncharts:\n  - 'charts/**'", ...extra } },
        { id: 'decide', env: { X: `\${{ ${read} }}` }, run: 'true' },
      ]),
    });
    expect(dataFlowProblems(filter('steps.filter.outputs.app'))).toEqual([]);
    expect(dataFlowProblems(filter('steps.filter.outputs.charts_count'))).toEqual([]);
    expect(dataFlowProblems(filter('steps.filter.outputs.changes'))).toEqual([]);
    expect(dataFlowProblems(filter('steps.filter.outputs.docs'))).toEqual([
      expect.stringMatching(/^job changes, step decide: env\.X reads steps\.filter\.outputs\.docs, but dorny\/paths-filter has no output docs/),
    ]);
    // <filter>_files only with list-files other than none
    expect(dataFlowProblems(filter('steps.filter.outputs.app_files'))).toHaveLength(1);
    expect(dataFlowProblems(filter('steps.filter.outputs.app_files', { 'list-files': 'json' }))).toEqual([]);
  });
});

describe('needs outputs', () => {
  const upstream = () => job([{ id: 'build', run: 'echo "digest=sha256:x" >> "${GITHUB_OUTPUT}"' }], { outputs: { digest: '${{ steps.build.outputs.digest }}' } });

  test('a needs output of a job not in needs is reported', () => {
    const problems = dataFlowProblems(workflow({
      build: upstream(),
      other: job([{ id: 'x', run: 'true' }]),
      deploy: job([{ id: 'helm', env: { D: '${{ needs.build.outputs.digest }}' }, run: 'true' }], { needs: 'other' }),
    }));
    expect(problems).toEqual([expect.stringMatching(/^job deploy, step helm: env\.D reads needs\.build\.outputs\.digest, but build is not in this job's needs \(other\)$/)]);
  });

  test('a needs output the job does not declare is reported; its result is fine', () => {
    const problems = dataFlowProblems(workflow({
      build: upstream(),
      deploy: job([{ id: 'helm', run: 'true' }], { needs: ['build'], if: "needs.build.result == 'success' && needs.build.outputs.tag != ''" }),
    }));
    expect(problems).toEqual([expect.stringMatching(/^job deploy: if reads needs\.build\.outputs\.tag, but build declares no output tag \(it declares: digest\)$/)]);
  });

  test('the outputs of a reusable workflow are not recorded: reading one is reported', () => {
    const problems = dataFlowProblems(workflow({
      provenance: { uses: 'slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0', with: { image: 'x' } },
      deploy: job([{ id: 'verify', env: { P: '${{ needs.provenance.outputs.attestation-name }}' }, run: 'true' }], { needs: 'provenance' }),
    }));
    expect(problems).toEqual([expect.stringMatching(/^job deploy, step verify: .*needs\.provenance\.outputs\.attestation-name, but provenance calls the reusable workflow/)]);
  });
});

describe('artifacts', () => {
  const uploader = (name: string, p = 'report.json') => job([{ id: 'up', uses: UPLOAD, with: { name, path: p } }]);

  test('a download by name that no needed job uploads is reported, also when a job outside needs uploads it', () => {
    const problems = dataFlowProblems(workflow({
      build: uploader('app-report'),
      elsewhere: uploader('app-scan'),
      publish: job([{ id: 'get', uses: DOWNLOAD, with: { name: 'app-scan', path: 'scan' } }], { needs: 'build' }),
    }));
    expect(problems).toEqual([expect.stringMatching(/^job publish, step get: downloads artifact app-scan, which no upload .* \(uploads upstream: app-report\)$/)]);
  });

  test('a download by pattern matching no upload is reported; uploads through needs of needs count', () => {
    const wf = (pattern: string) => workflow({
      build: uploader('app-sbom.cdx.json'),
      scan: job([{ id: 'x', run: 'true' }], { needs: 'build' }),
      publish: job([{ id: 'get', uses: DOWNLOAD, with: { 'pattern': pattern, 'merge-multiple': true, 'path': 'sbom' } }], { needs: 'scan' }),
    });
    expect(dataFlowProblems(wf('app-sbom.*'))).toEqual([]);
    expect(dataFlowProblems(wf('checkout-sbom.*'))).toEqual([expect.stringMatching(/^job publish, step get: downloads pattern checkout-sbom\.\*, which no upload .* matches/)]);
  });

  test('an upload earlier in the same job counts, a later one does not', () => {
    const wf = (order: 'up-first' | 'down-first') => {
      const up = { id: 'up', uses: UPLOAD, with: { name: 'r', path: 'r.json' } };
      const down = { id: 'down', uses: DOWNLOAD, with: { name: 'r', path: 'got' } };
      return workflow({ one: job(order === 'up-first' ? [up, down] : [down, up]) });
    };
    expect(dataFlowProblems(wf('up-first'))).toEqual([]);
    expect(dataFlowProblems(wf('down-first'))).toEqual([expect.stringMatching(/^job one, step down: downloads artifact r/)]);
  });

  // The bug this check exists for: sbom-action's `output-file` names the file in the build job's workspace,
  // but the artifact it uploads holds one file named after `artifact-name`.
  const sbomWorkflow = (predicate: string) => workflow({
    'checkout-build': job([
      { id: 'build', uses: 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', with: { push: true } },
      {
        id: 'sbom-cyclonedx',
        uses: SBOM,
        with: { 'image': 'ghcr.io/acme/checkout@${{ steps.build.outputs.digest }}', 'format': 'cyclonedx-json', 'output-file': 'sbom.cdx.json', 'artifact-name': 'checkout-sbom.cdx.json' },
      },
    ], { outputs: { digest: '${{ steps.build.outputs.digest }}' } }),
    'checkout-publish': job([
      { id: 'download-sbom', uses: DOWNLOAD, with: { 'pattern': 'checkout-sbom.*', 'merge-multiple': true, 'path': 'sbom' } },
      {
        id: 'attest-sbom',
        env: { IMAGE: 'ghcr.io/acme/checkout@${{ needs.checkout-build.outputs.digest }}' },
        run: `cosign attest --yes --type cyclonedx --predicate ${predicate} "\${IMAGE}"`,
      },
    ], { needs: 'checkout-build' }),
  });

  test('THE SBOM BUG: reading sbom/sbom.cdx.json from the sbom-action artifact is reported, exactly once', () => {
    const problems = dataFlowProblems(sbomWorkflow('sbom/sbom.cdx.json'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^job checkout-publish, step attest-sbom: run reads sbom\/sbom\.cdx\.json, which the download into sbom\/ does not produce/);
    expect(problems[0]).toContain('gives sbom/checkout-sbom.cdx.json');
  });

  test('the corrected read sbom/checkout-sbom.cdx.json is not', () => {
    expect(dataFlowProblems(sbomWorkflow('sbom/checkout-sbom.cdx.json'))).toEqual([]);
  });

  test('by pattern without merge-multiple the files land under the artifact name; hashFiles reads are checked', () => {
    const wf = (read: string) => workflow({
      build: job([{ id: 'up', uses: UPLOAD, with: { name: 'scan', path: 'out/trivy.sarif\nout/grype.sarif' } }]),
      report: job([
        { id: 'get', uses: DOWNLOAD, with: { pattern: 'sc*', path: 'results' } },
        { id: 'upload-sarif', if: `hashFiles('${read}') != ''`, uses: 'github/codeql-action/upload-sarif@x', with: { sarif_file: read } },
      ], { needs: 'build' }),
    });
    expect(dataFlowProblems(wf('results/scan/trivy.sarif'))).toEqual([]);
    expect(dataFlowProblems(wf('results/scan/*.sarif'))).toEqual([]);
    expect(dataFlowProblems(wf('results/trivy.sarif'))).toEqual([
      expect.stringMatching(/^job report, step upload-sarif: if reads results\/trivy\.sarif, .* gives results\/scan\/trivy\.sarif, results\/scan\/grype\.sarif\)$/),
      expect.stringMatching(/^job report, step upload-sarif: with\.sarif_file reads results\/trivy\.sarif/),
    ]);
  });

  test('files under an uploaded directory are not known statically: reads there are not judged', () => {
    const problems = dataFlowProblems(workflow({
      build: uploader('reports', '${{ runner.temp }}/reports/'),
      summary: job([{ id: 'get', uses: DOWNLOAD, with: { name: 'reports', path: 'r' } }, { id: 'show', run: 'cat r/anything.html' }], { needs: 'build' }),
    }));
    expect(problems).toEqual([]);
  });
});

test('mutation: the minimal example with the publish job reading sbom/sbom.cdx.json again is reported', () => {
  const ex = loadExample('minimal');
  const wf = structuredClone(ex.workflow);
  const attest = wf.jobs[`${ex.app}-publish`].steps.find((s: any) => s.id === 'attest-sbom');
  expect(attest.run).toContain(`sbom/${ex.app}-sbom.cdx.json`);
  attest.run = attest.run.replace(`sbom/${ex.app}-sbom.cdx.json`, 'sbom/sbom.cdx.json');
  expect(dataFlowProblems(wf)).toEqual([expect.stringMatching(/^job hello-publish, step attest-sbom: run reads sbom\/sbom\.cdx\.json, which the download into sbom\/ does not produce/)]);
});

test('the steps context is refused at job level, accepted in outputs and environment.url', () => {
  const problems = dataFlowProblems(workflow({
    deploy: job([{ id: 'rollout', run: 'echo "url=https://x" >> "${GITHUB_OUTPUT}"' }], {
      environment: { name: 'prod', url: '${{ steps.rollout.outputs.url }}' },
      env: { URL: '${{ steps.rollout.outputs.url }}' },
      outputs: { url: '${{ steps.rollout.outputs.url }}' },
    }),
  }));
  expect(problems).toEqual([expect.stringMatching(/^job deploy: env\.URL reads steps\.rollout\.outputs\.url, but the steps context is not available at job level$/)]);
});
