import * as assert from "assert";
import { clone, deployment, NAMES, res, violations } from "../support";

describe("policy workload-probe-ports", () => {
    it("passes a compliant Deployment", async () => {
        assert.deepStrictEqual(await violations("workload-probe-ports", [res("Deployment", NAMES.resource, deployment())]), []);
    });
    it("flags the violating field and names resource and container", async () => {
        const d = clone(deployment());
        const spec = d.spec.template.spec;
        spec.containers[0].livenessProbe.httpGet.port = "metrics";
        const v = await violations("workload-probe-ports", [res("Deployment", NAMES.resource, d)]);
        assert.strictEqual(v.length, 1, v.join("\n"));
        assert.match(v[0], /^Deployment\/fk-backend, container "app": spec\.template\.spec\.containers\[0\]\.livenessProbe\.httpGet\.port names port "metrics"/);
    });
    it("flags a tcpSocket, httpGet or grpc probe on a port declared protocol: UDP, by name or by number", async () => {
        const d = clone(deployment());
        const c = d.spec.template.spec.containers[0];
        c.ports = [{ name: "http", containerPort: 3000 }, { name: "statsd", containerPort: 8125, protocol: "UDP" }, { name: "syslog", containerPort: 514, protocol: "udp" }];
        c.readinessProbe = { tcpSocket: { port: "statsd" } };
        c.livenessProbe = { httpGet: { path: "/health", port: 8125 } };
        c.startupProbe = { grpc: { port: 514 } };
        const v = await violations("workload-probe-ports", [res("Deployment", NAMES.resource, d)]);
        assert.deepStrictEqual(v, [
            'Deployment/fk-backend, container "app": spec.template.spec.containers[0].startupProbe.grpc.port targets port 514, declared protocol: UDP; grpc probes connect over TCP, so it can never succeed',
            'Deployment/fk-backend, container "app": spec.template.spec.containers[0].readinessProbe.tcpSocket.port targets port "statsd", declared protocol: UDP; tcpSocket probes connect over TCP, so it can never succeed',
            'Deployment/fk-backend, container "app": spec.template.spec.containers[0].livenessProbe.httpGet.port targets port 8125, declared protocol: UDP; httpGet probes connect over TCP, so it can never succeed',
        ]);
    });
    it("passes a probe on a number declared for both TCP and UDP, and on ports whose protocol is TCP or unset", async () => {
        const d = clone(deployment());
        const c = d.spec.template.spec.containers[0];
        c.ports = [{ name: "dns-udp", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53, protocol: "TCP" }, { name: "http", containerPort: 3000 }];
        c.readinessProbe = { tcpSocket: { port: 53 } };
        c.livenessProbe = { tcpSocket: { port: "dns-tcp" } };
        c.startupProbe = { httpGet: { path: "/health", port: "http" } };
        assert.deepStrictEqual(await violations("workload-probe-ports", [res("Deployment", NAMES.resource, d)]), []);
    });
    it("passes an exec probe whatever the ports' protocols: it opens no connection", async () => {
        const d = clone(deployment());
        const c = d.spec.template.spec.containers[0];
        c.ports = [{ name: "statsd", containerPort: 8125, protocol: "UDP" }];
        c.readinessProbe = { exec: { command: ["true"] } };
        c.livenessProbe = { exec: { command: ["true"] } };
        assert.deepStrictEqual(await violations("workload-probe-ports", [res("Deployment", NAMES.resource, d)]), []);
    });
});
