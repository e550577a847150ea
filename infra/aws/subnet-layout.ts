/**
 * How a VPC's address space is carved into per-zone subnets. Private subnets get the bulk: with the
 * VPC CNI every pod takes a VPC address, and GPU nodes with many NIM pods use them quickly.
 */
export interface ZoneSubnets {
  readonly privateCidr: string;
  readonly publicCidr: string;
}

function toInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * Splits `vpcCidr` into eight blocks: the first `zones` are the private subnets; the last block is
 * split again into eight small public subnets (NAT gateways and load balancers only).
 */
export function subnetLayout(vpcCidr: string, zones: number): ZoneSubnets[] {
  const [address, prefixText] = vpcCidr.split("/");
  const prefix = Number(prefixText);
  if (!(prefix >= 16 && prefix <= 20)) {
    throw new Error(`VPC CIDR ${vpcCidr}: prefix must be between /16 and /20 to leave room for per-zone subnets`);
  }
  if (!(zones >= 1 && zones <= 7)) {
    throw new Error(`subnet layout: ${zones} zones do not fit, at most 7`);
  }
  const base = toInt(address);
  if (base % 2 ** (32 - prefix) !== 0) {
    throw new Error(`VPC CIDR ${vpcCidr}: address is not aligned to its prefix`);
  }
  const privatePrefix = prefix + 3;
  const publicPrefix = prefix + 6;
  const privateSize = 2 ** (32 - privatePrefix);
  const publicSize = 2 ** (32 - publicPrefix);
  const publicBase = base + 7 * privateSize;
  return Array.from({ length: zones }, (_, zone) => ({
    privateCidr: `${toIp(base + zone * privateSize)}/${privatePrefix}`,
    publicCidr: `${toIp(publicBase + zone * publicSize)}/${publicPrefix}`,
  }));
}
