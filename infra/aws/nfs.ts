/** The port EFS serves NFS on (free of Pulumi imports: the policy pack reads it too). */
export const nfsPort = 2049;
