import * as pp from '../../src';
import { shellcheckWorkflow } from '../conformance/validators';
import { errorOf, makeApp, workflowOf } from '../util';

function deployJobs(system: pp.ChangeSystem, environments?: string[]): any {
  const { project, app } = makeApp();
  new pp.ChangeRequest(app, 'Change', { system, environments });
  return workflowOf(pp.Testing.synth(project));
}

describe('ChangeRequest', () => {
  test('ServiceNow: opens a change before the production deploy, URL and token from secrets through env', () => {
    const wf = deployJobs(pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'SNOW_URL', tokenSecret: 'SNOW_TOKEN', assignmentGroup: 'Platform CAB' }));
    const prod = wf.jobs['checkout-deploy-production'];
    const ids = prod.steps.map((s: any) => s.id);
    expect(ids.indexOf('change-request')).toBeGreaterThan(ids.indexOf('cluster-credentials'));
    expect(ids.indexOf('change-request')).toBeLessThan(ids.indexOf('helm-upgrade'));
    expect(wf.jobs['checkout-deploy-staging'].steps.map((s: any) => s.id)).not.toContain('change-request');
    const step = prod.steps.find((s: any) => s.id === 'change-request');
    expect(step.env).toEqual({
      CHANGE_URL: '${{ secrets.SNOW_URL }}',
      CHANGE_TOKEN: '${{ secrets.SNOW_TOKEN }}',
      SNOW_ASSIGNMENT_GROUP: 'Platform CAB',
      IMAGE_REPOSITORY: 'ghcr.io/acme/checkout',
    });
    expect(step.run).toContain('endpoint="${CHANGE_URL%/}/api/now/table/change_request"');
    expect(step.run).toContain("id_filter='.result.number // empty'");
    // the payload names the digest, the commit and the run
    expect(step.run).toContain('"Image: ${IMAGE_REPOSITORY}@${IMAGE_DIGEST}"');
    expect(step.run).toContain('"Commit: ${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/commit/${GITHUB_SHA}"');
    expect(step.run).toContain('actions/runs/${GITHUB_RUN_ID}');
    // the token never reaches the command line
    expect(step.run).toContain('--header "@${header}"');
    expect(step.run).toContain('echo "id=${change_id}" >> "${GITHUB_OUTPUT}"');
    expect(prod.outputs).toEqual({ 'change-id': '${{ steps.change-request.outputs.id }}' });
    expect(prod.steps.find((s: any) => s.id === 'deploy-summary').env.CHANGE_ID).toBe('${{ steps.change-request.outputs.id }}');
    expect(shellcheckWorkflow(wf)).toEqual([]);
  });

  test('Jira Cloud: basic auth with the account e-mail; Data Center: bearer token', () => {
    const cloud = deployJobs(pp.ChangeSystem.jira({ siteUrlSecret: 'JIRA_URL', tokenSecret: 'JIRA_TOKEN', userSecret: 'JIRA_USER', projectKey: 'CHG' }), ['staging', 'production']);
    const step = cloud.jobs['checkout-deploy-staging'].steps.find((s: any) => s.id === 'change-request');
    expect(step.env).toEqual({
      CHANGE_URL: '${{ secrets.JIRA_URL }}',
      CHANGE_TOKEN: '${{ secrets.JIRA_TOKEN }}',
      CHANGE_USER: '${{ secrets.JIRA_USER }}',
      JIRA_PROJECT: 'CHG',
      JIRA_ISSUE_TYPE: 'Change',
      IMAGE_REPOSITORY: 'ghcr.io/acme/checkout',
    });
    expect(step.run).toContain('Authorization: Basic %s');
    expect(step.run).toContain('endpoint="${CHANGE_URL%/}/rest/api/2/issue"');
    expect(step.run).toContain('{fields: {project: {key: $project}, issuetype: {name: $type}, summary: $summary, description: $description');
    expect(shellcheckWorkflow(cloud)).toEqual([]);
    const dc = deployJobs(pp.ChangeSystem.jira({ siteUrlSecret: 'JIRA_URL', tokenSecret: 'JIRA_PAT', projectKey: 'OPS', issueType: 'Change Request' }));
    const dcStep = dc.jobs['checkout-deploy-production'].steps.find((s: any) => s.id === 'change-request');
    expect(dcStep.run).toContain('Authorization: Bearer %s');
    expect(dcStep.env.JIRA_ISSUE_TYPE).toBe('Change Request');
  });

  test('bad input', () => {
    expect(() => pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'snow-url', tokenSecret: 'T' })).toThrow("'instanceUrlSecret' must be a GitHub secret name");
    expect(() => pp.ChangeSystem.jira({ siteUrlSecret: 'U', tokenSecret: 'T', projectKey: 'chg' })).toThrow("'projectKey' must be a Jira project key such as 'CHG', got 'chg'");
    const { app } = makeApp();
    const system = pp.ChangeSystem.serviceNow({ instanceUrlSecret: 'U', tokenSecret: 'T' });
    expect(errorOf(() => new pp.ChangeRequest(app, 'C', { system, environments: ['prod'] }))).toContain("'environments' names 'prod', which the app does not declare");
    new pp.ChangeRequest(app, 'C1', { system });
    expect(errorOf(() => new pp.ChangeRequest(app, 'C2', { system }))).toContain("environment 'production' already opens a change request");
  });
});
