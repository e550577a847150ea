import { aliasUrns, compareResources, createUrn, type AliasContext, type RenderedResource } from "../../render/urns";

const p = "urn:pulumi:dev::app::";
const group = "test:index:Group";
const secret = "kubernetes:core/v1:Secret";

/** A resource as resources.json lists it, with a URN when `urn` is given. */
function resource(type: string, name: string, parent: string | null, extra: Partial<RenderedResource> = {}): RenderedResource {
  return { type, name, parent, inputs: {}, ...extra };
}

const context = (aliases: Record<string, string[]> = {}): AliasContext => ({ stack: "dev", project: "app", aliasesOf: (urn) => aliases[urn] ?? [] });

describe("createUrn", () => {
  it("spells out every ancestor's type but the root stack's", () => {
    expect(createUrn("a", group, undefined, "dev", "app")).toBe(`${p}${group}::a`);
    expect(createUrn("a", group, `${p}pulumi:pulumi:Stack::app-dev`, "dev", "app")).toBe(`${p}${group}::a`);
    expect(createUrn("s", secret, `${p}test:index:Outer$${group}::a`, "dev", "app")).toBe(`${p}test:index:Outer$${group}$${secret}::s`);
  });
});

describe("aliasUrns", () => {
  it("resolves a resource's own aliases against its parent, or none", () => {
    const self = { urn: `${p}${group}$${secret}::s`, type: secret, name: "s", parentUrn: `${p}${group}::g` };
    expect(aliasUrns(self, [{ name: "old", parentUrn: self.parentUrn }, { noParent: true }, { urn: `${p}x::y` }], context())).toEqual([
      `${p}${group}$${secret}::old`,
      `${p}${secret}::s`,
      `${p}x::y`,
    ]);
  });

  it("inherits each of its parent's old URNs, at every depth, renaming a name derived from the parent's", () => {
    const parentUrn = `${p}${group}::new`;
    const aliases = { [parentUrn]: [`${p}test:index:Old::old`] };
    const child = { urn: `${parentUrn.replace("::new", "")}$${group}::new-inner`, type: group, name: "new-inner", parentUrn };
    const inherited = aliasUrns(child, [], context(aliases));
    expect(inherited).toEqual([`${p}test:index:Old$${group}::old-inner`]);
    const grandchild = { urn: `${p}${group}$${group}$${secret}::pw`, type: secret, name: "pw", parentUrn: child.urn };
    expect(aliasUrns(grandchild, [], context({ ...aliases, [child.urn]: inherited }))).toEqual([`${p}test:index:Old$${group}$${secret}::pw`]);
  });

  it("looks an alias's parent that moved up under the old URNs it had", () => {
    const parentUrn = `${p}${group}::g`;
    const self = { urn: `${p}${group}$${secret}::s`, type: secret, name: "s", parentUrn };
    expect(aliasUrns(self, [{ name: "t", parentUrn }], context({ [parentUrn]: [`${p}test:index:Old::g`] }))).toEqual([
      `${p}${group}$${secret}::t`,
      `${p}test:index:Old$${secret}::t`,
      `${p}test:index:Old$${secret}::s`,
    ]);
  });
});

describe("compareResources", () => {
  // Before: a Secret in component Old "data". After: the same Secret in component New "data".
  const oldGroup = `${p}test:index:Old::data`;
  const before = [resource("test:index:Old", "data", null, { custom: false }), resource(secret, "s", "test:index:Old::data", { custom: true, inputs: { data: { k: "a" } } })];
  const moved = (secretExtra: Partial<RenderedResource> = {}, groupAliases = [oldGroup]): RenderedResource[] => [
    resource("test:index:New", "data", null, { urn: `${p}test:index:New::data`, custom: false, ...(groupAliases.length ? { options: { aliasUrns: groupAliases } } : {}) }),
    resource(secret, "s", "test:index:New::data", {
      urn: `${p}test:index:New$${secret}::s`,
      custom: true,
      inputs: { data: { k: "a" } },
      options: { aliasUrns: [`${p}test:index:Old$${secret}::s`] },
      ...secretExtra,
    }),
  ];

  it("takes a resource that moved and keeps its old URN through an alias for the same resource", () => {
    const result = compareResources(before, moved());
    expect(result.changes).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.componentTree).toEqual([]);
    expect(result.moved.map((m) => [m.after.type, m.before.parent, m.after.parent, m.byAlias])).toEqual([
      [secret, "test:index:Old::data", "test:index:New::data", true],
      ["test:index:New", null, null, true],
    ]);
    expect(result.entries).toBe(2);
  });

  it("computes the URNs of a render that did not record them from its parents", () => {
    expect(compareResources(before, moved()).moved.map((m) => m.before.urn)).toEqual([`${p}test:index:Old$${secret}::s`, oldGroup]);
    // The same render with and without URNs: nothing moved, nothing differs.
    const same = compareResources(before, [
      { ...before[0], urn: oldGroup },
      { ...before[1], urn: `${p}test:index:Old$${secret}::s` },
    ]);
    expect(same).toMatchObject({ moved: [], changes: [], componentTree: [], errors: [] });
  });

  it("reports a resource that moved without an alias as replaced, and the components as the component tree only", () => {
    const result = compareResources(before, moved({ options: {} }, []));
    expect(result.changes).toEqual([
      {
        kind: "replaced",
        resource: { type: secret, name: "s", parent: "test:index:New::data", urn: `${p}test:index:New$${secret}::s` },
        paths: [`urn: ${p}test:index:Old$${secret}::s → ${p}test:index:New$${secret}::s`, `parent: "test:index:Old::data" → "test:index:New::data"`],
        component: false,
      },
    ]);
    expect(result.componentTree.map((c) => [c.kind, c.resource.type])).toEqual([
      ["added", "test:index:New"],
      ["removed", "test:index:Old"],
    ]);
  });

  it("reports a removed resource no alias claims as removed", () => {
    const [newGroup] = moved();
    expect(compareResources(before, [newGroup]).changes).toMatchObject([{ kind: "removed", resource: { type: secret, name: "s", urn: `${p}test:index:Old$${secret}::s` } }]);
  });

  it("reports changed inputs of a moved resource", () => {
    const result = compareResources(before, moved({ inputs: { data: { k: "b" } } }));
    expect(result.changes).toMatchObject([{ kind: "changed", resource: { type: secret, name: "s" }, paths: ['inputs.data.k: "a" → "b"'] }]);
    expect(result.moved).toHaveLength(2);
  });

  it("refuses two resources claiming one old URN", () => {
    const [newGroup, s] = moved();
    const twin = { ...s, name: "t", urn: `${p}test:index:New$${secret}::t` };
    const result = compareResources(before, [newGroup, s, twin]);
    expect(result.errors).toEqual([`${secret} t claims the old URN ${p}test:index:Old$${secret}::s by alias, but ${secret} s claims it too`]);
    expect(result.changes).toEqual([]);
  });

  it("refuses an alias to an old URN that another resource still has", () => {
    const kept = { ...before[1], urn: `${p}test:index:Old$${secret}::s` };
    const [, s] = moved();
    const result = compareResources(before, [{ ...before[0], urn: oldGroup }, kept, { ...s, parent: "test:index:Old::data" }]);
    expect(result.errors).toEqual([`${secret} s claims the old URN ${p}test:index:Old$${secret}::s by alias, but ${secret} s has that URN`]);
  });
});
