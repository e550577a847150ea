/**
 * Why the identity running `pulumi up` could not reach the cluster it manages, or undefined when it
 * can. The cluster grants access only through the access entries of the roles the stack lists, so
 * the deployer must be one of them. Roles are compared by account and name: an SSO role's ARN has a
 * path (`role/aws-reserved/sso.amazonaws.com/...`) that an access entry's principal leaves out.
 */
export function deployerAccessProblem(deployerArn: string, listedRoleArns: readonly string[]): string | undefined {
  const key = (arn: string): string | undefined => {
    const match = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return match ? `${match[1]}/${match[2]}` : undefined;
  };
  const deployer = key(deployerArn);
  if (deployer && listedRoleArns.some((arn) => key(arn) === deployer)) {
    return undefined;
  }
  const listed = listedRoleArns.length > 0 ? listedRoleArns.join(", ") : "none";
  return (
    `the identity running this update (${deployerArn}) has no access entry on the cluster: list its role in ` +
    `aws.cluster.adminRoleArns or aws.cluster.ciRoleArns (listed: ${listed}), or run the update as one of them`
  );
}
