// Format checks as Kubernetes and Go read them: what the API server would refuse must be refused here first.
import * as assert from "assert";
import {
    addDays, caBundleProblem, cidrProblem, cpuQuantityProblem, cronProblem, cronZone, dnsLabelProblem, endpointProblem, isoDay,
    MAX_CA_BUNDLE_BYTES, memoryQuantityProblem, parseIsoDate, parseQuantity, timeZoneProblem, urlHost, UTC_ZONE_NAMES,
} from "../../../components/config/validators";
import { fakePem, PRIVATE_KEY_LABEL } from "../../support/fake-pem";

describe("validators: cron", () => {
    for (const good of ["0 3 * * *", "*/15 * * * *", "0 4 1 */3 *", "30 2 * * MON-FRI", "0 0 1 JAN,JUL *", "0 3 ? * *",
        "0 0 * * 0", "0 0 * * 6", "@daily", "@weekly", " 0 3 * * * "]) {
        it(`accepts ${JSON.stringify(good)}`, () => assert.strictEqual(cronProblem(good), undefined));
    }
    const bad: [string, RegExp][] = [
        ["0 3 * *", /got 4 fields/],
        ["0 0 3 * * *", /got 6 fields/],
        ["61 * * * *", /valid 5-field cron expression/],
        ["0 24 * * *", /valid 5-field/],
        ["0 0 32 * *", /valid 5-field/],
        ["0 0 * 13 *", /valid 5-field/],
        ["TZ=Europe/Berlin 0 3 * * *", /without TZ=/],
        ["CRON_TZ=Etc/UTC 0 3 * * *", /without TZ=/],
        ["0 3 * * 7", /day-of-week "7" is above 6/],
        ["0 3 * * 5-7", /day-of-week "5-7" is above 6/],
        ["0 3 L * *", /"L", which Kubernetes does not read/],
        ["0 3 * * 1#2", /Kubernetes does not read/],
        ["H 3 * * *", /Kubernetes does not read/],
        ["0 3 * * MON/2/2", /valid 5-field cron expression/],
        ["@every 1h", /5-field/],
        ["", /5-field/],
    ];
    for (const [expr, allowed] of bad) {
        it(`refuses ${JSON.stringify(expr)}`, () => assert.match(cronProblem(expr) ?? "(accepted)", allowed));
    }
});

describe("validators: time zones", () => {
    for (const tz of ["Etc/UTC", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Etc/GMT+5"]) {
        it(`accepts ${tz}`, () => assert.strictEqual(timeZoneProblem(tz), undefined));
    }
    for (const tz of ["europe/berlin", "utc", "Mars/Olympus", "Local", "+01:00", "Europe/Berlin ", "", "Europe//Berlin"]) {
        it(`refuses ${JSON.stringify(tz)}`, () => assert.match(timeZoneProblem(tz) ?? "(accepted)", /IANA time zone name/));
    }
    // cronZone hands cron-parser the fixed UTC zone for these names: only right if the tz database agrees they are UTC.
    const offsetMinutes = (tz: string, iso: string) => {
        const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" }).formatToParts(new Date(iso));
        const name = parts.find((p) => p.type === "timeZoneName")!.value; // "GMT" or "GMT+01:00"
        const m = /GMT([+-])(\d\d):(\d\d)/.exec(name);
        return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    };
    for (const tz of UTC_ZONE_NAMES) {
        it(`cron schedules in ${tz} are computed in UTC: a valid name with no offset in winter or summer`, () => {
            assert.strictEqual(timeZoneProblem(tz), undefined);
            assert.deepStrictEqual([offsetMinutes(tz, "2026-01-15T12:00:00Z"), offsetMinutes(tz, "2026-07-15T12:00:00Z")], [0, 0]);
            assert.strictEqual(cronZone(tz), "UTC");
        });
    }
    for (const tz of ["Europe/London", "Africa/Abidjan", "Etc/GMT+1", "Europe/Berlin"]) {
        it(`cron schedules in ${tz} keep their own zone (daylight saving, or an offset, or a zone UTC only today)`, () => {
            assert.strictEqual(cronZone(tz), tz);
        });
    }
});

describe("validators: DNS-1123 labels", () => {
    it("accepts lower-case labels up to 63 characters", () => {
        for (const n of ["fork-knife-staging", "a", "a1", "x".repeat(63)]) assert.strictEqual(dnsLabelProblem(n), undefined, n);
    });
    it("refuses upper case, underscores, dots, edge dashes and 64 characters", () => {
        for (const n of ["Fork", "fork_knife", "fork.knife", "-fork", "fork-", "", "x".repeat(64)]) {
            assert.match(dnsLabelProblem(n) ?? "(accepted)", /DNS-1123 label/, n);
        }
    });
});

describe("validators: quantities", () => {
    it("parses decimal and binary suffixes", () => {
        assert.strictEqual(parseQuantity("250m"), 0.25);
        assert.strictEqual(parseQuantity("1.5"), 1.5);
        assert.strictEqual(parseQuantity("512Mi"), 512 * 2 ** 20);
        assert.strictEqual(parseQuantity("1Gi"), 2 ** 30);
        assert.strictEqual(parseQuantity("2k"), 2000);
        assert.strictEqual(parseQuantity("1M"), 1e6);
        assert.strictEqual(parseQuantity("abc"), undefined);
        assert.strictEqual(parseQuantity("1 Gi"), undefined);
        assert.strictEqual(parseQuantity("-1"), undefined);
    });
    it("accepts CPU as cores or millicores only", () => {
        for (const q of ["250m", "0.5", "2", "1500m"]) assert.strictEqual(cpuQuantityProblem(q), undefined, q);
        for (const q of ["abc", "1Gi", "2k", "1M", ""]) assert.match(cpuQuantityProblem(q) ?? "(accepted)", /CPU quantity such as/, q);
        assert.match(cpuQuantityProblem("0") ?? "(accepted)", /above zero/);
        assert.match(cpuQuantityProblem("0m") ?? "(accepted)", /above zero/);
    });
    it("refuses memory in milli-bytes and below 1Mi", () => {
        for (const q of ["256Mi", "1Gi", "512M", "1048576"]) assert.strictEqual(memoryQuantityProblem(q), undefined, q);
        for (const q of ["256m", "abc", "1GB", "20gb"]) assert.match(memoryQuantityProblem(q) ?? "(accepted)", /memory quantity such as/, q);
        assert.match(memoryQuantityProblem("512Ki") ?? "(accepted)", /at least 1Mi/);
    });
});

describe("validators: ISO dates", () => {
    it("parses dates and UTC date-times", () => {
        assert.strictEqual((parseIsoDate("2026-10-01") as Date).toISOString(), "2026-10-01T00:00:00.000Z");
        assert.strictEqual((parseIsoDate("2026-10-01T12:30Z") as Date).toISOString(), "2026-10-01T12:30:00.000Z");
        assert.strictEqual((parseIsoDate("2028-02-29") as Date).toISOString(), "2028-02-29T00:00:00.000Z");
    });
    it("refuses impossible dates and times instead of rolling them over", () => {
        for (const d of ["2026-02-30", "2026-02-29", "2026-13-01", "2026-10-01T24:00:00Z", "2026-10-01T10:61:00Z", "2026-10-01T10:00:60Z"]) {
            assert.match(String(parseIsoDate(d)), /is not a calendar date/, d);
        }
    });
    it("refuses other spellings", () => {
        for (const d of ["2026/10/01", "01.10.2026", "2026-10-01T12:00:00+02:00", "2026-1-1", "yesterday"]) {
            assert.strictEqual(parseIsoDate(d), "an ISO 8601 date such as 2026-10-01 (or 2026-10-01T12:00:00Z)", d);
        }
    });
    it("adds days in UTC", () => {
        assert.strictEqual(isoDay(addDays(new Date("2026-10-01T00:00:00Z"), 90)), "2026-12-30");
        assert.strictEqual(isoDay(addDays(new Date("2026-03-28T00:00:00Z"), 1)), "2026-03-29");
    });
});

describe("validators: CIDR blocks, endpoints, CA bundles", () => {
    it("CIDR: IPv4 and IPv6 with their network address, prefix within the family's bits", () => {
        for (const good of ["10.0.0.0/8", "10.40.16.0/20", "10.40.16.7/32", "0.0.0.0/0", "fd00:10::/64", "fd00:10:0:20::/64", "::/0", "::ffff:10.0.0.0/120"]) {
            assert.strictEqual(cidrProblem(good), undefined, good);
        }
        for (const bad of ["10.0.0.0", "10.0.0.0/33", "fd00::/129", "10.40.16.0/19", "fd00:10::1/64", "10.0.0/8", "db.internal/24", "10.0.0.0/08x"]) {
            assert.ok(cidrProblem(bad), bad);
        }
    });

    it("endpoint: http(s), a host name or address, no user info, no query", () => {
        for (const good of ["https://s3.eu-central-1.amazonaws.com", "http://minio.backup.svc:9000", "https://[fd00:10::9]:9000/path", "https://10.0.0.5"]) {
            assert.strictEqual(endpointProblem(good), undefined, good);
        }
        assert.match(endpointProblem("https://user:pw@host")!, /without user name or password/);
        assert.match(endpointProblem("https://host/?x=1")!, /without query/);
        for (const bad of ["ftp://host", "host:9000", "https://bad_host", "javascript:alert(1)", "https://"]) assert.ok(endpointProblem(bad), bad);
    });

    it("CA bundle: refuses text, a private key, a leaf certificate (settings tests cover expiry with real certificates)", () => {
        assert.match(caBundleProblem("hello", new Date())!, /PEM bundle/);
        assert.match(caBundleProblem(fakePem(`EC ${PRIVATE_KEY_LABEL}`), new Date())!, /private key/);
        assert.match(caBundleProblem("x".repeat(MAX_CA_BUNDLE_BYTES + 1), new Date())!, /at most 256 KiB/);
    });

    it("urlHost brackets IPv6 only", () => {
        assert.deepStrictEqual(["db.internal", "10.0.0.5", "fd00::5"].map(urlHost), ["db.internal", "10.0.0.5", "[fd00::5]"]);
    });
});
