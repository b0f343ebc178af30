// PEM blocks for tests that must see a private key refused. The armour lines are assembled at run time so the
// repository never holds a key-shaped literal (secret scanners flag the markers, whatever the body).

/** A PEM block `label` ("EC PRIVATE KEY", …) around a body that is no key at all. */
export function fakePem(label: string, body = "ZmFrZS1rZXktZm9yLXRlc3Rz"): string {
    const armour = (edge: "BEGIN" | "END") => ["-----", edge, " ", label, "-----"].join("");
    return [armour("BEGIN"), body, armour("END")].join("\n");
}

/** "PRIVATE KEY", spelled so that no source line carries the marker. */
export const PRIVATE_KEY_LABEL = ["PRIVATE", "KEY"].join(" ");
