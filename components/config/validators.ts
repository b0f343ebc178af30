// Format checks shared by the settings schema and the policy pack. Each returns an error text that says
// what is allowed, or undefined when the value is fine.
import { X509Certificate } from "crypto";
import { isIP } from "net";
import { CronExpressionParser } from "cron-parser";
import { PRIVATE_KEY_MARKER } from "../../policies/lib/credentials";

const CRON_DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

// robfig/cron (what Kubernetes uses) knows numbers, names, `*`, `?`, ranges, lists and steps, but not cron-parser's
// extensions L, W, # and H, and it reads day-of-week as 0-6 only (7 is not Sunday there).
const FIELDS = [
    { name: "minute", max: 59, names: [] as string[] },
    { name: "hour", max: 23, names: [] },
    { name: "day-of-month", max: 31, names: [] },
    { name: "month", max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day-of-week", max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

function robfigFieldProblem(field: string, spec: (typeof FIELDS)[number]): string | undefined {
    for (const part of field.split(",")) {
        const [range, step, extra] = part.split("/");
        if (extra !== undefined || (step !== undefined && !/^[0-9]+$/.test(step))) return `${spec.name} "${field}" has a malformed step`;
        if (range === "*" || range === "?") continue;
        for (const value of range.split("-")) {
            if (/^[0-9]+$/.test(value)) {
                if (Number(value) > spec.max) return `${spec.name} "${field}" is above ${spec.max}`;
            } else if (!spec.names.includes(value.toUpperCase())) {
                return `${spec.name} "${field}" uses "${value}", which Kubernetes does not read`;
            }
        }
    }
    return undefined;
}

/** Kubernetes reads CronJob schedules as 5 fields (robfig/cron) and rejects a TZ= prefix. */
export function cronProblem(expr: string): string | undefined {
    const trimmed = expr.trim();
    if (CRON_DESCRIPTORS.includes(trimmed)) return undefined;
    if (/^(CRON_)?TZ=/.test(trimmed)) return "a 5-field cron expression without TZ= (use backup.timeZone)";
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 5) {
        return `a 5-field cron expression (minute hour day-of-month month day-of-week), got ${fields.length} fields`;
    }
    try {
        CronExpressionParser.parse(trimmed, { tz: "UTC" });
    } catch (e) {
        return `a valid 5-field cron expression (${(e as Error).message})`;
    }
    for (let i = 0; i < 5; i++) {
        const p = robfigFieldProblem(fields[i], FIELDS[i]);
        if (p) return `a 5-field cron expression as Kubernetes reads it: numbers, names, * ? , - / only (${p})`;
    }
    return undefined;
}

/** Names the tz database links to UTC itself (no offset, no daylight saving, ever). */
export const UTC_ZONE_NAMES: readonly string[] = ["Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UTC", "UCT", "Universal", "Zulu",
    "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich"];

/**
 * The zone to hand cron-parser for a CronJob's time zone: the same instants, computed faster. Luxon (cron-parser's
 * clock) steps a named zone through Intl at every run, about four times slower than its fixed UTC zone, and the
 * backup policy steps a daily schedule over 400 days at every synth; for a name linked to UTC both give the same runs.
 */
export function cronZone(tz: string): string {
    return UTC_ZONE_NAMES.includes(tz) ? "UTC" : tz;
}

/** IANA names only: Kubernetes resolves CronJob time zones from the tz database, not offsets. */
export function timeZoneProblem(tz: string): string | undefined {
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return "an IANA time zone name such as Etc/UTC or Europe/Berlin";
    // Intl ignores case, Go's time.LoadLocation (the API server's check) does not: every tz database name
    // segment starts with a capital letter.
    if (!tz.split("/").every((segment) => /^[A-Z]/.test(segment))) {
        return "an IANA time zone name, spelled with its capitals, such as Etc/UTC or Europe/Berlin";
    }
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return undefined;
    } catch {
        return "an IANA time zone name such as Etc/UTC or Europe/Berlin";
    }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function dnsLabelProblem(name: string): string | undefined {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
        return "a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit";
    }
    return undefined;
}

const BINARY_SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIX: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Parses a Kubernetes quantity ("250m", "1.5", "512Mi") into base units, or undefined when malformed. */
export function parseQuantity(q: string): number | undefined {
    const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(q);
    if (!m) return undefined;
    const suffix = m[2] ?? "";
    const factor = BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix];
    return Number(m[1]) * factor;
}

export function cpuQuantityProblem(q: string): string | undefined {
    const value = parseQuantity(q);
    if (value === undefined || /[KMGTPE]/.test(q) || q.endsWith("k")) return "a CPU quantity such as 250m, 0.5 or 2";
    if (value <= 0) return "a CPU quantity above zero";
    return undefined;
}

export function memoryQuantityProblem(q: string): string | undefined {
    const value = parseQuantity(q);
    // "256m" is valid Kubernetes syntax but means 0.256 bytes: always a typo for Mi.
    if (value === undefined || q.endsWith("m")) return "a memory quantity such as 256Mi, 1Gi or 512M";
    if (value < 2 ** 20) return "a memory quantity of at least 1Mi";
    return undefined;
}

/** ISO 8601 calendar date (optionally with a UTC time); returns the parsed date or an error text. */
export function parseIsoDate(value: string): Date | string {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?Z)?$/.exec(value);
    const allowed = "an ISO 8601 date such as 2026-10-01 (or 2026-10-01T12:00:00Z)";
    if (!m) return allowed;
    const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
    // Date.UTC rolls 10:61 over into 11:01 and Feb 30 into March: compare every field with what was written.
    const timeOk = +(m[4] ?? 0) < 24 && +(m[5] ?? 0) < 60 && +(m[6] ?? 0) < 60;
    if (!timeOk || date.getUTCFullYear() !== +m[1] || date.getUTCMonth() !== +m[2] - 1 || date.getUTCDate() !== +m[3]) {
        return `${allowed}; ${value} is not a calendar date`;
    }
    return date;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function addDays(date: Date, days: number): Date {
    return new Date(date.getTime() + days * DAY_MS);
}

export function isoDay(date: Date): string {
    return date.toISOString().slice(0, 10);
}

/**
 * A host name per RFC 1123 (at most 253 characters, labels of 1 to 63 letters, digits and '-' that neither start
 * nor end with '-'), an IPv4 address or an IPv6 address (without brackets: URLs add them).
 */
export function hostProblem(host: string): string | undefined {
    const allowed = "a host name (RFC 1123: at most 253 characters, dot-separated labels of at most 63 letters, " +
        "digits and '-') or an IPv4 or IPv6 address";
    if (isIP(host) !== 0) return undefined;
    if (host.length === 0 || host.length > 253) return allowed;
    const labels = host.replace(/\.$/, "").split(".");
    if (!labels.every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l))) return allowed;
    // An all-numeric name such as 10.0.0.300 is a mistyped address, not a host name (RFC 1123 §2.1).
    if (/^[0-9.]+$/.test(host)) return allowed;
    return undefined;
}

/** `host` as it goes into a URL's authority: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
    return isIP(host) === 6 ? `[${host}]` : host;
}

/** An IPv4 or IPv6 CIDR block (address/prefix) whose address has no bits set beyond the prefix. */
export function cidrProblem(cidr: string): string | undefined {
    const allowed = "a CIDR block such as 10.20.0.0/16 or fd00:10::/64";
    const m = /^([^/]+)\/([0-9]{1,3})$/.exec(cidr);
    if (!m) return allowed;
    const version = isIP(m[1]);
    const prefix = Number(m[2]);
    if (version === 0 || prefix > (version === 4 ? 32 : 128)) return allowed;
    // The network address must be the block's first address: 10.20.1.7/16 is a typo for a host or a block.
    if (prefix < (version === 4 ? 32 : 128) && !networkAddressOf(m[1], prefix, version)) {
        return `${allowed}, written with its network address (host bits set in ${cidr})`;
    }
    return undefined;
}

function networkAddressOf(address: string, prefix: number, version: number): boolean {
    const bits = version === 4 ? ipv4Bits(address) : ipv6Bits(address);
    return bits !== undefined && /^0*$/.test(bits.slice(prefix));
}

function ipv4Bits(address: string): string | undefined {
    return address.split(".").map((o) => Number(o).toString(2).padStart(8, "0")).join("");
}

function ipv6Bits(address: string): string | undefined {
    const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
    const parts = (s: string) => (s === "" ? [] : s.split(":"));
    const h = parts(head);
    const t = tail === undefined ? [] : parts(tail);
    // An embedded IPv4 tail (::ffff:10.0.0.1) counts as two groups.
    const expand = (g: string[]) => g.flatMap((x) => (x.includes(".") ? [ipv4Bits(x)!.slice(0, 16), ipv4Bits(x)!.slice(16)].map((b) => parseInt(b, 2).toString(16)) : [x]));
    const eh = expand(h);
    const et = expand(t);
    const groups = tail === undefined ? eh : [...eh, ...Array(8 - eh.length - et.length).fill("0"), ...et];
    if (groups.length !== 8) return undefined;
    return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}

/** Largest CA bundle accepted: it becomes a ConfigMap (1 MiB in all) and a file for the PostgreSQL provider. */
export const MAX_CA_BUNDLE_BYTES = 256 * 1024;

/** A PEM bundle of CA certificates, every one parseable and valid on `now`; never a private key. */
export function caBundleProblem(pem: string, now: Date): string | undefined {
    const allowed = "a PEM bundle of CA certificates (-----BEGIN CERTIFICATE----- blocks)";
    if (Buffer.byteLength(pem) > MAX_CA_BUNDLE_BYTES) return `${allowed} of at most ${MAX_CA_BUNDLE_BYTES / 1024} KiB`;
    if (PRIVATE_KEY_MARKER.test(pem)) return `${allowed}: it holds a private key, which must never be in configuration (rotate it)`;
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) return allowed;
    for (const [i, block] of blocks.entries()) {
        let cert: X509Certificate;
        try {
            cert = new X509Certificate(block);
        } catch {
            return `${allowed}; certificate ${i + 1} does not parse`;
        }
        if (!cert.ca) return `${allowed}; certificate ${i + 1} (${cert.subject.replace(/\n/g, ", ")}) is not a CA certificate`;
        if (new Date(cert.validTo).getTime() <= now.getTime()) {
            return `${allowed}; certificate ${i + 1} (${cert.subject.replace(/\n/g, ", ")}) expired on ${cert.validTo}`;
        }
    }
    return undefined;
}

/** An http:// or https:// endpoint whose host is a host name (RFC 1123) or an IPv4 / [IPv6] address, no user info. */
export function endpointProblem(endpoint: string): string | undefined {
    // http:// stays allowed for in-cluster object stores (MinIO); zod's url() would also take ftp: or javascript:.
    const allowed = "an http:// or https:// URL of an S3-compatible endpoint (host name or IP address, optional port and path)";
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        return allowed;
    }
    if (!/^https?:$/.test(url.protocol) || !/^https?:\/\//.test(endpoint)) return allowed;
    if (url.username || url.password) return `${allowed}, without user name or password (those are secure values)`;
    if (url.search || url.hash) return `${allowed}, without query or fragment`;
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    return hostProblem(host) ? allowed : undefined;
}

/** Whether two valid CIDR blocks (cidrProblem) share an address: the shorter prefix's bits agree. */
export function cidrsOverlap(a: string, b: string): boolean {
    const bitsOf = (cidr: string): [string, number] | undefined => {
        const [address, prefix] = cidr.split("/");
        const version = isIP(address);
        const bits = version === 4 ? ipv4Bits(address) : version === 6 ? ipv6Bits(address) : undefined;
        return bits === undefined ? undefined : [bits, Number(prefix)];
    };
    const x = bitsOf(a);
    const y = bitsOf(b);
    if (!x || !y || x[0].length !== y[0].length) return false;
    const shorter = Math.min(x[1], y[1]);
    return x[0].slice(0, shorter) === y[0].slice(0, shorter);
}
