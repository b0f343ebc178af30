// What a credential looks like, by name or by value. Used for env vars, ConfigMaps and Secrets.

/** Names that hold credentials: passwords, secrets, tokens, keys, and URLs that embed a password. */
const NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API[_-]?KEY|PRIVATE[_-]?KEY|ACCESS[_-]?KEY|CREDENTIAL|AUTH|DATABASE_URL|DIRECT_URL|DSN)/i;

/** Values that are credentials whatever their name. */
const VALUE = [
    /^(sk|rk)_(live|test)_[A-Za-z0-9]{8,}/,          // Stripe secret and restricted keys
    /^whsec_[A-Za-z0-9]{8,}/,                        // Stripe webhook secret
    /^AKIA[0-9A-Z]{16}$/,                             // AWS access key id
    /^gh[pousr]_[A-Za-z0-9]{20,}/,                    // GitHub tokens
    /^xox[abpr]-[A-Za-z0-9-]{10,}/,                   // Slack tokens
    // PEM and OpenSSH private keys. Only the BEGIN marker is matched, and with any run of dashes: a key pasted
    // by hand (or trimmed by a templating step) is still a key, and "---BEGIN OPENSSH PRIVATE KEY---" is one.
    /-{2,}\s*BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?\s*-{2,}/,
    /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i,   // URL with user:password@
    /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./,  // JWT
];

export function credentialName(name: string): boolean {
    return NAME.test(name);
}

export function credentialValue(value: string): boolean {
    return VALUE.some((re) => re.test(value.trim()));
}

/** A literal value that must not be written down where it can be read: a credential name with a value, or a credential value. */
export function looksLikeCredential(name: string, value: unknown): boolean {
    if (typeof value !== "string" || value.trim() === "") return false;
    if (credentialValue(value)) return true;
    // Settings that merely mention a credential (TOKEN_TTL=3600, AUTH_ENABLED=true) are not one.
    return credentialName(name) && !/^(\d+(\.\d+)?[a-z]{0,2}|true|false|yes|no|on|off)$/i.test(value.trim());
}
