// The rotation model of DESIGN.md: every credential has a record (when it was rotated, how old it may get,
// when it is due), and generated credentials live in two alternating slots so the previous value stays valid
// until the next rotation.
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ANNOTATION, standardLabels } from "../lib/labels";
import { MAX_AGE_BY_KIND, SecretKind } from "./rotation-limits";
import { Environment } from "../config/settings-schema";
import { addDays, isoDay, parseIsoDate } from "../config/validators";

export { MAX_AGE_BY_KIND } from "./rotation-limits";
export type { SecretKind } from "./rotation-limits";

export interface RotationRecord {
    kind: SecretKind;
    /** ISO date of the last rotation. */
    rotatedAt: string;
    maxAgeDays: number;
    /** ISO date by which the credential must be rotated again. */
    nextRotationDue: string;
    /** Generated credentials only: the rotation counter that picks the slot. */
    generation?: number;
}

export function rotationRecord(kind: SecretKind, rotatedAt: string, generation?: number): RotationRecord {
    const date = parseIsoDate(rotatedAt);
    if (typeof date === "string") throw new Error(`rotatedAt ${rotatedAt}: ${date}`);
    const maxAgeDays = MAX_AGE_BY_KIND[kind];
    return {
        kind,
        rotatedAt: isoDay(date),
        maxAgeDays,
        nextRotationDue: isoDay(addDays(date, maxAgeDays)),
        ...(generation === undefined ? {} : { generation }),
    };
}

export function rotationAnnotations(record: RotationRecord): Record<string, string> {
    return {
        [ANNOTATION.secretKind]: record.kind,
        [ANNOTATION.rotatedAt]: record.rotatedAt,
        [ANNOTATION.maxAgeDays]: String(record.maxAgeDays),
        [ANNOTATION.nextRotationDue]: record.nextRotationDue,
        ...(record.generation === undefined ? {} : { [ANNOTATION.generation]: String(record.generation) }),
    };
}

/** The slot that generation N writes: N % 2. */
export function activeSlot(generation: number): 0 | 1 {
    return (generation % 2) as 0 | 1;
}

/**
 * Keepers for the random value in `slot`: they change only when a generation writes that slot, so bumping the
 * generation replaces exactly one slot and the other keeps its value.
 */
export function slotKeepers(slot: 0 | 1, generation: number): Record<string, string> {
    const lastWrite = generation % 2 === slot ? generation : generation - 1;
    return { slot: String(slot), generation: lastWrite < 0 ? "initial" : String(lastWrite) };
}

/** Checksum of the rotation records (never of the values): a rotation changes it and rolls the pods. */
export function rotationChecksum(records: RotationRecord[]): string {
    const canonical = records.map((r) => [r.kind, r.rotatedAt, r.generation ?? null]).sort((a, b) => String(a).localeCompare(String(b)));
    return crypto.createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16);
}

export interface CredentialSecretArgs {
    namespace: pulumi.Input<string>;
    environment: Environment;
    /** Fixed Secret name: pods reference it by name. */
    secretName: string;
    record: RotationRecord;
    /** Keys to secret values; wrapped as Pulumi secrets whatever they arrive as. */
    values: Record<string, pulumi.Input<string>>;
}

/** A Kubernetes Secret holding one kind of credential, annotated with its rotation record. */
export function credentialSecret(name: string, args: CredentialSecretArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(name, {
        metadata: {
            name: args.secretName,
            namespace: args.namespace,
            labels: standardLabels("secrets", args.environment),
            annotations: rotationAnnotations(args.record),
        },
        type: "Opaque",
        stringData: pulumi.secret(pulumi.output(args.values)) as pulumi.Output<Record<string, string>>,
    }, { ...opts, additionalSecretOutputs: ["data", "stringData"] });
}
