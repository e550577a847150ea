import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nemoDatastoreSecretData, nemoDatastoreSecretNames, type NemoDatastoreSecretInputs } from "../../../constructs/nemo/datastore-secrets";

const names = nemoDatastoreSecretNames("nemo-datastore");
const key = Buffer.alloc(32, 0xfb);
const inputs: NemoDatastoreSecretInputs = {
  secretNames: names,
  rootUrl: "http://nemo-datastore.nemo.svc.cluster.local:8000",
  adminPassword: "correct-horse-battery",
  lfsJwtSecret: key.toString("base64"),
};
const data = nemoDatastoreSecretData(inputs);

describe("nemoDatastoreSecretData", () => {
  it("fills the five Secrets the NemoDatastore names, with the keys the operator reads", () => {
    expect(Object.keys(data).sort()).toEqual(Object.values(names).sort());
    expect(Object.keys(data[names.giteaAdmin]).sort()).toEqual(["GITEA_ADMIN_PASSWORD", "GITEA_ADMIN_USERNAME"]);
    expect(Object.keys(data[names.lfsJwt])).toEqual(["jwtSecret"]);
    expect(Object.keys(data[names.init]).sort()).toEqual(["configure_gitea.sh", "init_directory_structure.sh"]);
    expect(Object.keys(data[names.config])).toEqual(["config_environment.sh"]);
  });

  it("holds the admin account", () => {
    expect(data[names.giteaAdmin]).toEqual({ GITEA_ADMIN_USERNAME: "datastore-admin", GITEA_ADMIN_PASSWORD: "correct-horse-battery" });
    expect(nemoDatastoreSecretData({ ...inputs, adminUsername: "nds_admin" })[names.giteaAdmin].GITEA_ADMIN_USERNAME).toBe("nds_admin");
  });

  it("stores the LFS key as the unpadded base64url Gitea decodes", () => {
    expect(data[names.lfsJwt].jwtSecret).toBe(key.toString("base64url"));
    expect(data[names.lfsJwt].jwtSecret).toHaveLength(43);
    expect(nemoDatastoreSecretData({ ...inputs, lfsJwtSecret: key.toString("base64url") })[names.lfsJwt].jwtSecret).toBe(key.toString("base64url"));
  });

  it("configures Gitea to serve on the operator's port under the Data Store's URL, on PostgreSQL", () => {
    const inline = data[names.inlineConfig];
    expect(inline.server.split("\n")).toEqual(
      expect.arrayContaining([
        "HTTP_PORT=3000",
        "ROOT_URL=http://nemo-datastore.nemo.svc.cluster.local:8000/",
        "DOMAIN=nemo-datastore.nemo.svc.cluster.local",
        "LFS_START_SERVER=true",
      ]),
    );
    expect(inline.database).toBe("DB_TYPE=postgres");
    expect(inline.security).toBe("INSTALL_LOCK=true");
  });

  it("refuses inputs Gitea would reject, naming the input", () => {
    expect(() => nemoDatastoreSecretData({ ...inputs, adminPassword: "short" })).toThrow("NemoDatastore secrets: adminPassword must be at least 8 characters (Gitea's minimum), got 5");
    expect(() => nemoDatastoreSecretData({ ...inputs, adminUsername: "admin" })).toThrow('adminUsername "admin" is reserved by Gitea');
    expect(() => nemoDatastoreSecretData({ ...inputs, lfsJwtSecret: Buffer.alloc(16).toString("base64") })).toThrow("lfsJwtSecret must be 32 random bytes, base64-encoded");
    expect(() => nemoDatastoreSecretData({ ...inputs, secretNames: { ...names, config: names.init } })).toThrow("secretNames must be five different Secrets");
    expect(() => nemoDatastoreSecretData({ ...inputs, rootUrl: "nemo-datastore:8000" })).toThrow('rootUrl "nemo-datastore:8000"');
  });
});

describe("the Data Store's init scripts", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "datastore-scripts-"));
    mkdirSync(join(dir, "bin"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes an executable stub onto the scripts' PATH. */
  function stub(name: string, body: string): void {
    writeFileSync(join(dir, "bin", name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(dir, "bin", name), 0o755);
  }

  function script(secret: string, file: string): string {
    const path = join(dir, file);
    writeFileSync(path, data[secret][file]);
    return path;
  }

  /** The inline config as the kubelet mounts a Secret: symlinks into a hidden `..data` directory. */
  function mountInlineConfig(): string {
    const mount = join(dir, "inlines");
    rmSync(mount, { recursive: true, force: true });
    mkdirSync(join(mount, "..data"), { recursive: true });
    for (const [section, content] of Object.entries(data[names.inlineConfig])) {
      writeFileSync(join(mount, "..data", section), content);
      symlinkSync(join("..data", section), join(mount, section));
    }
    return mount;
  }

  const env = (extra: Record<string, string>) => ({ PATH: `${join(dir, "bin")}:${process.env.PATH}`, ...extra });

  it("parse as bash", () => {
    for (const [secret, file] of [[names.init, "init_directory_structure.sh"], [names.init, "configure_gitea.sh"], [names.config, "config_environment.sh"]]) {
      expect(() => execFileSync("bash", ["-n", script(secret, file)])).not.toThrow();
    }
  });

  describe("config_environment.sh", () => {
    function run(appIni: string, extra: Record<string, string> = {}): string[] {
      stub("gitea", 'echo "generated-$3"');
      stub("environment-to-ini", 'env | grep "^GITEA__" | sort > "$2"');
      execFileSync("bash", [script(names.config, "config_environment.sh")], {
        env: env({ GITEA_APP_INI: appIni, DATASTORE_INLINE_CONFIG_DIR: mountInlineConfig(), ...extra }),
      });
      return readFileSync(appIni, "utf8").trim().split("\n");
    }

    it("turns every inline section into Gitea's variables, root section and dotted names included", () => {
      const written = run(join(dir, "app.ini"));
      expect(written).toEqual(
        expect.arrayContaining([
          "GITEA____APP_NAME=NeMo Data Store",
          "GITEA__SERVER__HTTP_PORT=3000",
          "GITEA__SERVER__ROOT_URL=http://nemo-datastore.nemo.svc.cluster.local:8000/",
          "GITEA__DATABASE__DB_TYPE=postgres",
          "GITEA__CRON_0X2E_GIT_GC_REPOS__ENABLED=false",
        ]),
      );
    });

    it("lets the operator's variables win over the inline configuration", () => {
      const written = run(join(dir, "app.ini"), { GITEA__LFS__STORAGE_TYPE: "minio", GITEA__DATABASE__HOST: "postgres:5432" });
      expect(written).toContain("GITEA__LFS__STORAGE_TYPE=minio");
      expect(written).toContain("GITEA__DATABASE__HOST=postgres:5432");
      expect(written).not.toContain("GITEA__LFS__STORAGE_TYPE=local");
    });

    it("generates the internal secrets on first start only", () => {
      const appIni = join(dir, "app.ini");
      expect(run(appIni)).toEqual(expect.arrayContaining(["GITEA__SECURITY__INTERNAL_TOKEN=generated-INTERNAL_TOKEN", "GITEA__OAUTH2__JWT_SECRET=generated-JWT_SECRET"]));
      expect(existsSync(appIni)).toBe(true);
      expect(run(appIni).some((line) => line.startsWith("GITEA__SECURITY__INTERNAL_TOKEN="))).toBe(false);
    });
  });

  describe("configure_gitea.sh", () => {
    function run(admins: string, migrateExitCode = 0) {
      const log = join(dir, "gitea.log");
      writeFileSync(join(dir, "admins.txt"), admins);
      stub(
        "gitea",
        [
          `echo "$*" >> ${log}`,
          `if [[ $1 == migrate ]]; then exit ${migrateExitCode}; fi`,
          `if [[ $1 == admin && $3 == list ]]; then cat ${join(dir, "admins.txt")}; fi`,
        ].join("\n"),
      );
      const result = spawnSync("bash", [script(names.init, "configure_gitea.sh")], {
        env: env({ GITEA_ADMIN_USERNAME: "datastore-admin", GITEA_ADMIN_PASSWORD: "correct-horse-battery" }),
        encoding: "utf8",
      });
      return { status: result.status, calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [] };
    }
    const header = "ID   Username          Email                          IsActive IsAdmin 2FA";

    it("creates the admin account when it does not exist", () => {
      const { status, calls } = run(`2025/08/01 12:00:00 ...s/setting.go:1 [W] a log line\n${header}\n1    someone-else      x@y                            true     true    false\n`);
      expect(status).toBe(0);
      expect(calls[0]).toBe("migrate");
      expect(calls[2]).toBe(
        "admin user create --admin --username datastore-admin --password correct-horse-battery --email datastore-admin@datastore.local --must-change-password=false",
      );
    });

    it("resets the password of an existing admin account", () => {
      const { status, calls } = run(`${header}\n1    datastore-admin   datastore-admin@datastore.local true     true    false\n`);
      expect(status).toBe(0);
      expect(calls[2]).toBe("admin user change-password --username datastore-admin --password correct-horse-battery");
    });

    it("fails without touching accounts when the migration fails", () => {
      const { status, calls } = run(header, 1);
      expect(status).toBe(1);
      expect(calls).toEqual(["migrate"]);
    });
  });
});
