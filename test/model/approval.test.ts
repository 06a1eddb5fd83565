import { Duration } from 'cdk8s';
import * as pp from '../../src';
import { errorOf } from '../util';

describe('Approval', () => {
  test('approval', () => {
    expect(errorOf(() => pp.Approval.requiredReviewers([]))).toContain("'reviewers' must list 1 to 6 users or teams");
    expect(errorOf(() => pp.Approval.requiredReviewers(['a', 'b', 'c', 'd', 'e', 'f', 'g']))).toContain('1 to 6');
    expect(errorOf(() => pp.Approval.requiredReviewers(['@team']))).toContain("a reviewer must be a user login, a team slug or 'org/team-slug', got '@team'");
    expect(errorOf(() => pp.Approval.waitTimer(Duration.days(31)))).toContain("'waitTimer' must be whole minutes between 0 and 30 days");
    expect(pp.Approval.none().required).toBe(false);
    expect(pp.Approval.waitTimer(Duration.minutes(5)).required).toBe(true);
  });
});
