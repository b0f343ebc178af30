import * as assert from "assert";
import { hpa, res, violations } from "../support";

const db = (maxConnections: number) => res("fork-knife:data:Database", "database", { maxConnections, poolSizePerPod: 5, reservedConnections: 4 });
const hpas = [res("HorizontalPodAutoscaler", "backend", hpa("backend")), res("HorizontalPodAutoscaler", "worker", hpa("worker", "worker"))];

describe("policy release-connection-budget", () => {
    it("passes when 12 pods × 5 + 4 fit 80 % of 100", async () => {
        assert.deepStrictEqual(await violations("release-connection-budget", [db(100), ...hpas]), []);
    });
    it("flags a budget above 80 % of maxConnections", async () => {
        assert.deepStrictEqual(await violations("release-connection-budget", [db(70), ...hpas]),
            ["fork-knife:data:Database database: 12 pods at HPA maxReplicas × 5 pool + 4 reserved = 64 connections, above 80 % of maxConnections 70 (56)"]);
    });
});
