// A credential Secret's rotation record, read from the annotations AppSecrets writes (DESIGN.md "Rotation model").
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ANNOTATION, LABEL } from "../../components/lib/labels";
import { MAX_AGE_BY_KIND as LIMITS } from "../../components/app/rotation-limits";
import { addDays, parseIsoDate } from "../../components/config/validators";
import { credentialName, credentialValue } from "./credentials";

/** The guide's limits by the secret-kind annotation's value (the program's own table). */
export const MAX_AGE_BY_KIND: Record<string, number> = LIMITS;
/** Kinds the guide does not name get its longest limit. */
export const DEFAULT_MAX_AGE_DAYS = Math.max(...Object.values(MAX_AGE_BY_KIND));
export const WARN_DAYS_BEFORE_DUE = 14;

const ROTATION_KEYS = [ANNOTATION.rotatedAt, ANNOTATION.maxAgeDays, ANNOTATION.nextRotationDue, ANNOTATION.secretKind];
const NON_CREDENTIAL_TYPES = ["kubernetes.io/service-account-token"];

/** A Secret holds credentials when it says so (label, rotation annotations) or its keys or values look like them. */
export function isCredentialSecret(props: any): boolean {
    if (NON_CREDENTIAL_TYPES.includes(props?.type)) return false;
    const meta = props?.metadata ?? {};
    if (meta.labels?.[LABEL.component] === "secrets") return true;
    if (ROTATION_KEYS.some((k) => meta.annotations?.[k] !== undefined)) return true;
    const entries = { ...(props?.data ?? {}), ...(props?.stringData ?? {}) };
    return Object.entries(entries).some(([k, v]) => credentialName(k) || (typeof v === "string" && credentialValue(v)));
}

export interface RotationRecord {
    kind?: string;
    rotatedAt?: Date;
    maxAgeDays?: number;
    /** The annotated due date, else rotatedAt + maxAgeDays. */
    due?: Date;
    /** Annotation problems, each naming its key. */
    problems: string[];
}

export function rotationRecord(props: any): RotationRecord {
    const a = props?.metadata?.annotations ?? {};
    const problems: string[] = [];
    const date = (key: string): Date | undefined => {
        if (a[key] === undefined) { problems.push(`metadata.annotations["${key}"] is missing`); return undefined; }
        const d = parseIsoDate(String(a[key]));
        if (typeof d === "string") { problems.push(`metadata.annotations["${key}"] must be ${d}`); return undefined; }
        return d;
    };
    const rotatedAt = date(ANNOTATION.rotatedAt);
    const annotatedDue = date(ANNOTATION.nextRotationDue);
    let maxAgeDays: number | undefined;
    if (a[ANNOTATION.maxAgeDays] === undefined) problems.push(`metadata.annotations["${ANNOTATION.maxAgeDays}"] is missing`);
    else if (!/^\d+$/.test(String(a[ANNOTATION.maxAgeDays]))) problems.push(`metadata.annotations["${ANNOTATION.maxAgeDays}"] must be a whole number of days`);
    else maxAgeDays = Number(a[ANNOTATION.maxAgeDays]);
    const kind = a[ANNOTATION.secretKind];
    if (!kind) problems.push(`metadata.annotations["${ANNOTATION.secretKind}"] is missing`);
    const due = annotatedDue ?? (rotatedAt && maxAgeDays !== undefined ? addDays(rotatedAt, maxAgeDays) : undefined);
    return { kind, rotatedAt, maxAgeDays, due, problems };
}
