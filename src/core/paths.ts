// Every path the library writes into the user's repository, in one place (the output contract of
// DESIGN.md §3 and the README). Every path carries the app name, so apps live side by side.

/** Paths of one app's generated files. */
export const paths = {
  /** `.github/workflows/<app>-pipeline.yml` */
  workflow: (app: string) => `.github/workflows/${app}-pipeline.yml`,
  /** `.github/actionlint.yaml` (one per repository: the custom runner labels of every app) */
  actionlintConfig: () => '.github/actionlint.yaml',
  /** `docs/<app>-pipeline.md` */
  pipelineDoc: (app: string) => `docs/${app}-pipeline.md`,
  /** `scripts/<app>/setup-environments.sh` */
  setupScript: (app: string) => `scripts/${app}/setup-environments.sh`,
  /** `load/<app>/<scenario>.js` (a k6 load test) */
  loadTest: (app: string, scenario: string) => `load/${app}/${scenario}.js`,
  /** `helm/<app>/values-<env>.yaml` */
  values: (app: string, env: string) => `helm/${app}/values-${env}.yaml`,
  /** `deploy/<app>` (the folder of the manifests) */
  manifestDir: (app: string) => `deploy/${app}`,
  /** `deploy/<app>/<env>.k8s.yaml` */
  manifest: (app: string, env: string) => `${paths.manifestDir(app)}/${env}.k8s.yaml`,
  /** `deploy/<app>/argocd/<env>.yaml` */
  argoCdApplication: (app: string, env: string) => `${paths.manifestDir(app)}/argocd/${env}.yaml`,
  /** `monitoring/<app>/<env>` (rule files without their extension) */
  rulesBase: (app: string, env: string) => `monitoring/${app}/${env}`,
  /** `monitoring/<app>/<env>.rules.yml` */
  rules: (app: string, env: string) => `${paths.rulesBase(app, env)}.rules.yml`,
  /** `monitoring/<app>/<env>.rules.test.yml` */
  ruleTests: (app: string, env: string) => `${paths.rulesBase(app, env)}.rules.test.yml`,
  /** `monitoring/<app>/dashboards/<uid>.json` */
  dashboard: (app: string, uid: string) => `monitoring/${app}/dashboards/${uid}.json`,
  /** `e2e/<app>` (the kind E2E job's cluster config, values and scripts) */
  e2eDir: (app: string) => `e2e/${app}`,
};
