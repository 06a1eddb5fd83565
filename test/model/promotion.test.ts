import * as pp from '../../src';
import { errorOf } from '../util';

const branchError = (prop: string, got: string) =>
  `Promotion: '${prop}' must be a branch name or a prefix pattern ending in '/*', got ${got}; e.g. 'main' or 'release/*'`;

describe('Promotion.sequential', () => {
  test("defaults to 'main'", () => {
    const p = pp.Promotion.sequential();
    expect(p.isSequential).toBe(true);
    expect(p.branch).toBe('main');
    expect(p.branches).toEqual([]);
    expect(p.deployingBranches).toEqual(['main']);
    expect(p.branchFor('staging')).toBe('main');
    expect(p.branchFor('anything')).toBe('main');
    expect(pp.Promotion.sequential({}).branch).toBe('main');
  });

  test('branch names and prefix patterns are accepted', () => {
    for (const branch of ['develop', 'release/*', 'Release-1.2_x/Hot-fix_3.0', 'a/b/c/*', 'v2']) {
      const p = pp.Promotion.sequential({ branch });
      expect(p.branch).toBe(branch);
      expect(p.deployingBranches).toEqual([branch]);
    }
  });

  test('anything else is refused, naming the value', () => {
    const bad: Array<[string, string]> = [
      ['feature/**', "'feature/**'"], ['*', "'*'"], ['release/*/x', "'release/*/x'"], ['/main', "'/main'"], ['main/', "'main/'"],
      ['a//b', "'a//b'"], ['a..b', "'a..b'"], ['release/..', "'release/..'"], ['', "''"], ['my branch', "'my branch'"],
      ['~main', "'~main'"], ['main~', "'main~'"], ['main*', "'main*'"], ['ma*in', "'ma*in'"],
    ];
    for (const [branch, shown] of bad) {
      expect(errorOf(() => pp.Promotion.sequential({ branch }))).toBe(branchError('branch', shown));
    }
  });

  test('a branch that is not a string (from a jsii or JavaScript caller) is refused', () => {
    expect(errorOf(() => pp.Promotion.sequential({ branch: 5 as any }))).toBe(branchError('branch', '5'));
    // a one-element list would pass the pattern as its string form 'main'
    expect(errorOf(() => pp.Promotion.sequential({ branch: ['main'] as any }))).toBe(branchError('branch', "['main']"));
  });

  test('deploy condition: a push or manual run of the branch, never a pull request', () => {
    expect(pp.Promotion.sequential().deployCondition('production')).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
    expect(pp.Promotion.sequential({ branch: 'release/*' }).deployCondition('production'))
      .toBe("github.event_name != 'pull_request' && startsWith(github.ref, 'refs/heads/release/')");
  });
});

describe('Promotion.branchPerEnvironment', () => {
  test('each environment deploys from its own branch', () => {
    const input = [{ environment: 'staging', branch: 'develop' }, { environment: 'production', branch: 'release/*' }];
    const p = pp.Promotion.branchPerEnvironment({ branches: input });
    expect(p.isSequential).toBe(false);
    expect(p.branch).toBeUndefined();
    expect(p.branches).toEqual([{ environment: 'staging', branch: 'develop' }, { environment: 'production', branch: 'release/*' }]);
    expect(p.branches[0]).not.toBe(input[0]);
    expect(p.branchFor('staging')).toBe('develop');
    expect(p.branchFor('production')).toBe('release/*');
    expect(p.branchFor('qa')).toBeUndefined();
    expect(p.deployingBranches).toEqual(['develop', 'release/*']);
    expect(p.deployCondition('staging')).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/develop'");
    expect(p.deployCondition('production')).toBe("github.event_name != 'pull_request' && startsWith(github.ref, 'refs/heads/release/')");
  });

  test('deploying branches are listed once, in order', () => {
    const p = pp.Promotion.branchPerEnvironment({
      branches: [
        { environment: 'a', branch: 'main' }, { environment: 'b', branch: 'develop' }, { environment: 'c', branch: 'main' },
      ],
    });
    expect(p.deployingBranches).toEqual(['main', 'develop']);
  });

  test('branches are required', () => {
    const msg = "Promotion.branchPerEnvironment: 'branches' must map every environment to a branch, e.g. [{ environment: 'staging', branch: 'develop' }]";
    expect(errorOf(() => pp.Promotion.branchPerEnvironment({ branches: [] }))).toBe(msg);
    expect(errorOf(() => pp.Promotion.branchPerEnvironment({} as any))).toBe(msg);
  });

  test('a bad or missing branch names its environment', () => {
    const one = (branch: any) => () => pp.Promotion.branchPerEnvironment({ branches: [{ environment: 'staging', branch: 'develop' }, { environment: 'production', branch }] });
    expect(errorOf(one('release/**'))).toBe(branchError("branch of environment 'production'", "'release/**'"));
    expect(errorOf(one(undefined))).toBe(branchError("branch of environment 'production'", 'nothing'));
    expect(errorOf(one(7))).toBe(branchError("branch of environment 'production'", '7'));
  });
});

describe('Promotion: branches', () => {
  test('promotion', () => {
    expect(errorOf(() => pp.Promotion.sequential({ branch: 'feature/**' }))).toContain("must be a branch name or a prefix pattern ending in '/*', got 'feature/**'");
    expect(errorOf(() => pp.Promotion.branchPerEnvironment({ branches: [] }))).toContain("'branches' must map every environment to a branch");
    expect(pp.Promotion.sequential().deployCondition('x')).toBe("github.event_name != 'pull_request' && github.ref == 'refs/heads/main'");
  });
});
