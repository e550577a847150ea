import { deployerAccessProblem } from "../../infra/aws/cluster-access";

const listed = ["arn:aws:iam::111122223333:role/platform-admins", "arn:aws:iam::111122223333:role/flywheel-deployer"];

describe("deployerAccessProblem", () => {
  it("lets a listed role through", () => {
    expect(deployerAccessProblem("arn:aws:iam::111122223333:role/flywheel-deployer", listed)).toBeUndefined();
  });

  it("matches an SSO role by account and name, whatever its path", () => {
    const sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123";
    expect(deployerAccessProblem(sso, ["arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123"])).toBeUndefined();
  });

  it("names the unlisted deployer and the keys to add it to", () => {
    expect(deployerAccessProblem("arn:aws:iam::999999999999:role/flywheel-deployer", listed)).toMatch(
      /^the identity running this update \(arn:aws:iam::999999999999:role\/flywheel-deployer\) has no access entry on the cluster: list its role in aws\.cluster\.adminRoleArns or aws\.cluster\.ciRoleArns/,
    );
  });

  it("refuses an IAM user, which the stack never grants access", () => {
    expect(deployerAccessProblem("arn:aws:iam::111122223333:user/alice", listed)).toContain("arn:aws:iam::111122223333:user/alice");
  });
});
