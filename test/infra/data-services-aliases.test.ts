import * as pulumi from "@pulumi/pulumi";
import { dataServicesAliases, formerDataServicesType } from "../../infra/platform/data-services-aliases";

const stack = "urn:pulumi:prod::data-flywheel::";
const platformType = "data-flywheel:platform:FlywheelPlatform";
const platformUrn = `${stack}${platformType}::platform`;
/** The URN DataServices had, and the prefix of the URNs of everything it declared. */
const dataServicesUrn = `${stack}${platformType}$${formerDataServicesType}::platform-data`;
const insideDataServices = `${stack}${platformType}$${formerDataServicesType}$`;

const aliases = dataServicesAliases("platform-data", platformUrn);

/**
 * A declared resource as the SDK's alias functions read it: marked a Resource (`__pulumiResource`),
 * its URN, and the alias URNs its children inherit (`__aliases`).
 */
function declared(urn: string, inheritedAliases: pulumi.Input<string>[] = []): pulumi.Resource {
  return { __pulumiResource: true, urn: pulumi.output(urn), __aliases: inheritedAliases } as unknown as pulumi.Resource;
}

/**
 * Every URN a resource answers to besides its own, as the SDK computes them (`allAliases`, the
 * rules the engine applies to alias specs): its own aliases, and those inherited from its parent.
 */
function aliasUrns(own: pulumi.Alias[], name: string, type: string, parent: pulumi.Resource, parentName: string): Promise<string[]> {
  return new Promise((resolve) => pulumi.all(pulumi.allAliases(own, name, type, parent, parentName)).apply(resolve));
}

describe("dataServicesAliases", () => {
  const logStore = declared(`${stack}${platformType}$data-flywheel:platform:LogStore::platform-data`, [dataServicesUrn]);
  const runState = declared(`${stack}${platformType}$data-flywheel:platform:RunState::platform-data`);

  it("lets LogStore, declared with DataServices' name and parent, take over DataServices' URN", async () => {
    await expect(aliasUrns(aliases.logStore, "platform-data", "data-flywheel:platform:LogStore", declared(platformUrn), "platform")).resolves.toEqual([
      dataServicesUrn,
    ]);
  });

  it("keeps the URN of every resource inside LogStore, at any depth, without aliases of its own", async () => {
    await expect(aliasUrns([], "platform-data-ca", "tls:index/privateKey:PrivateKey", logStore, "platform-data")).resolves.toEqual([
      `${insideDataServices}tls:index/privateKey:PrivateKey::platform-data-ca`,
    ]);
    await expect(aliasUrns([], "platform-data-snapshots", "data-flywheel:aws:IrsaRole", logStore, "platform-data")).resolves.toEqual([
      `${insideDataServices}data-flywheel:aws:IrsaRole::platform-data-snapshots`,
    ]);
    const snapshotRole = declared(`${stack}${platformType}$data-flywheel:platform:LogStore$data-flywheel:aws:IrsaRole::platform-data-snapshots`, [
      `${insideDataServices}data-flywheel:aws:IrsaRole::platform-data-snapshots`,
    ]);
    await expect(aliasUrns([], "platform-data-snapshots", "aws:iam/role:Role", snapshotRole, "platform-data-snapshots")).resolves.toEqual([
      `${insideDataServices}data-flywheel:aws:IrsaRole$aws:iam/role:Role::platform-data-snapshots`,
    ]);
  });

  it("gives each resource RunState declares the URN it had in DataServices, and its children theirs", async () => {
    const formerParent = [{ parent: aliases.runStateFormerParent }];
    await expect(aliasUrns(formerParent, "platform-data-mongodb", "kubernetes:core/v1:Secret", runState, "platform-data")).resolves.toEqual([
      `${insideDataServices}kubernetes:core/v1:Secret::platform-data-mongodb`,
    ]);
    const crdsUrn = await aliasUrns(formerParent, "platform-data-mongodb-crds", "data-flywheel:kubernetes:OperatorCrds", runState, "platform-data");
    expect(crdsUrn).toEqual([`${insideDataServices}data-flywheel:kubernetes:OperatorCrds::platform-data-mongodb-crds`]);
    const crds = declared(`${stack}${platformType}$data-flywheel:platform:RunState$data-flywheel:kubernetes:OperatorCrds::platform-data-mongodb-crds`, crdsUrn);
    await expect(aliasUrns([], "platform-data-mongodb-crds", "kubernetes:yaml/v2:ConfigGroup", crds, "platform-data-mongodb-crds")).resolves.toEqual([
      `${insideDataServices}data-flywheel:kubernetes:OperatorCrds$kubernetes:yaml/v2:ConfigGroup::platform-data-mongodb-crds`,
    ]);
  });
});
