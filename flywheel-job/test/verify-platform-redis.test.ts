import { describeWithProgram, redisServer } from "../../test/support/needs-program";
import { redisCheck } from "../src/verify/platform/store-redis";
import { platformCheckContext } from "./support/platform-check-context";
import { startRedisServer, type RedisServer } from "./support/redis-server";

describeWithProgram(redisServer, "verify platform redis against a real Redis with a password", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer({ password: "right-password" });
  });
  afterAll(async () => {
    await (server as RedisServer | undefined)?.stop();
  });

  const check = (password: string) => redisCheck().run(platformCheckContext({ redis: { url: server.url, passwordFile: "redis-password" } }, { "redis-password": `${password}\n` }));

  test("the right password authenticates and PING answers", async () => {
    expect(await check("right-password")).toEqual([expect.objectContaining({ outcome: "pass", target: server.url })]);
  });

  test("a wrong password fails, naming the entry and not the password", async () => {
    const [result] = await check("wrong-password");
    expect(result).toMatchObject({ outcome: "fail", troubleshooting: "redis-unreachable" });
    expect(result.detail).not.toContain("wrong-password");
  });
});
