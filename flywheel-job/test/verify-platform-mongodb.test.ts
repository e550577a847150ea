import { mongodbCheck, type MongoHello } from "../src/verify/platform/store-mongodb";
import { freePort } from "./support/free-port";
import { platformCheckContext } from "./support/platform-check-context";

const mongodb = (url: string) => ({ mongodb: { url, username: "flywheel", passwordFile: "mongodb-password" } });
const credentials = { "mongodb-password": "pw\n" };

describe("verify platform mongodb", () => {
  test("a member that is the primary, or knows one, passes; logging in with the configured user", async () => {
    const seen: { username: string; password: string }[] = [];
    const answer = (hello: MongoHello) => mongodbCheck((_url, login) => {
      seen.push(login);
      return Promise.resolve(hello);
    });
    expect((await answer({ isWritablePrimary: true, setName: "rs0" }).run(platformCheckContext(mongodb("mongodb://mongo:27017"), credentials)))[0]).toMatchObject({ outcome: "pass", detail: "connected to the primary of rs0", target: "flywheel@mongo:27017" });
    expect((await answer({ isWritablePrimary: false, primary: "mongo-1:27017" }).run(platformCheckContext(mongodb("mongodb://mongo:27017"), credentials)))[0].outcome).toBe("pass");
    expect(seen[0]).toEqual({ username: "flywheel", password: "pw" });
  });

  test("a replica set without a primary fails", async () => {
    const [result] = await mongodbCheck(() => Promise.resolve({ isWritablePrimary: false })).run(platformCheckContext(mongodb("mongodb://mongo:27017"), credentials));
    expect(result).toMatchObject({ outcome: "fail", troubleshooting: "mongodb-no-primary" });
  });

  test("a call that never answers is bounded by the call timeout", async () => {
    const [result] = await mongodbCheck(() => new Promise(() => undefined)).run(platformCheckContext(mongodb("mongodb://mongo:27017"), credentials, 100));
    expect(result).toMatchObject({ outcome: "fail", troubleshooting: "mongodb-no-primary" });
  });

  test("the driver against a closed port fails within the timeout", async () => {
    const url = `mongodb://127.0.0.1:${await freePort()}/?directConnection=true`;
    const [result] = await mongodbCheck().run(platformCheckContext(mongodb(url), credentials, 1_000));
    expect(result).toMatchObject({ outcome: "fail", troubleshooting: "mongodb-no-primary", detail: expect.stringMatching(/ECONNREFUSED|no answer/) });
  });
});
