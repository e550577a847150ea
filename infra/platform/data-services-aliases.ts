import * as pulumi from "@pulumi/pulumi";

/** Type of the component that declared the log store and the run state until they were split apart. */
export const formerDataServicesType = "data-flywheel:platform:DataServices";

/** Aliases that keep the URNs the log store's and the run state's resources had inside `DataServices`. */
export interface DataServicesAliases {
  /** The LogStore component's own aliases: it takes over `DataServices`' URN. */
  readonly logStore: pulumi.Alias[];
  /** `DataServices`' URN: the former parent of every resource RunState declares directly. */
  readonly runStateFormerParent: pulumi.Output<string>;
}

/**
 * A URN spells out the types of all of a resource's ancestors (`…::<platform type>$<parent
 * type>$<type>::<name>`), so moving a resource from `DataServices` into `LogStore` or `RunState`
 * changes its URN, and without an alias `pulumi up` would delete and recreate it: Elasticsearch's and
 * MongoDB's data, the CA, every generated password.
 *
 * The engine derives a child's alias from its parent's matched alias (same name, the parent's old
 * type path), down every level, children of Kubernetes ConfigGroups included. So LogStore, declared
 * with `DataServices`' name and parent, aliases itself to `DataServices`' type and takes over its
 * URN, and every resource inside it keeps its URN with no alias of its own. RunState cannot do the
 * same: the engine refuses two resources claiming one old URN. Each resource RunState declares
 * directly names `DataServices`' URN as its former parent instead, and their children inherit that.
 * An alias only matters to a stack whose state still has the old URNs: once every deployed stack has
 * run `pulumi up` with these, they can go.
 *
 * @param name the name `DataServices` had, which LogStore and RunState are declared with
 * @param platformUrn URN of the component both are declared in, as `DataServices` was
 */
export function dataServicesAliases(name: string, platformUrn: pulumi.Input<string>): DataServicesAliases {
  return {
    logStore: [{ type: formerDataServicesType }],
    runStateFormerParent: pulumi.createUrn(name, formerDataServicesType, platformUrn),
  };
}
