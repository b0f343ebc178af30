// What a credential looks like, by name or by value. Used for env vars, ConfigMaps and Secrets.

/** Names that hold credentials: passwords (PWD too: DB_PWD, MYSQL_PWD), secrets, tokens, keys, and URLs that embed a password. */
const NAME = /(PASSWORD|PASSWD|PWD|PASSPHRASE|SECRET|TOKEN|API[_-]?KEY|PRIVATE[_-]?KEY|ACCESS[_-]?KEY|CREDENTIAL|AUTH|DATABASE_URL|DIRECT_URL|DSN)/i;

/** The shell's working directories, not passwords, though their names contain PWD. */
const SHELL_NAMES = new Set(["PWD", "OLDPWD"]);

/**
 * A *_KEY name is a credential when the word before KEY says what kind of secret key it is (AZURE_STORAGE_ACCOUNT_KEY,
 * JWT_SIGNING_KEY, DATA_ENCRYPTION_KEY, MASTER_KEY, SHARED_KEY). CACHE_KEY, PARTITION_KEY or IDEMPOTENCY_KEY name
 * a lookup key, not a secret, so KEY alone is not enough.
 */
const SECRET_KEY_KINDS = new Set(["ACCOUNT", "STORAGE", "SIGNING", "SIGN", "ENCRYPTION", "ENCRYPT", "DECRYPTION", "MASTER", "SHARED", "HMAC", "BATCH"]);

/**
 * PEM and OpenSSH private keys. Only the BEGIN marker is matched, and with any run of dashes: a key pasted by hand
 * (or trimmed by a templating step) is still a key, three dashes and an OPENSSH label included.
 */
export const PRIVATE_KEY_MARKER = /-{2,}\s*BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?\s*-{2,}/;

/** Values that are credentials whatever their name. */
const VALUE = [
    /^(sk|rk)_(live|test)_[A-Za-z0-9]{8,}/,          // Stripe secret and restricted keys
    /^whsec_[A-Za-z0-9]{8,}/,                        // Stripe webhook secret
    /^AKIA[0-9A-Z]{16}$/,                             // AWS access key id
    /^gh[pousr]_[A-Za-z0-9]{20,}/,                    // GitHub tokens
    /^xox[abpr]-[A-Za-z0-9-]{10,}/,                   // Slack tokens
    PRIVATE_KEY_MARKER,
    // URL with a password in its user info, the user name being optional (redis://:pw@redis:6379). A password that
    // is only a Kubernetes $(VAR) reference to another env var (from a secretKeyRef) is not written down here.
    /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@?#]*:(?!\$\([A-Za-z_][A-Za-z0-9_]*\)@)[^/\s@?#]+@/i,
    // URL carrying a credential as a query parameter (postgres://db/app?password=…, https://…?access_token=…).
    /^[a-z][a-z0-9+.-]*:\/\/[^\s?#]*\?([^\s#]*&)?(password|passwd|pwd|secret|client_secret|token|access_token|api_?key|sig|signature)=(?!\$\([A-Za-z_][A-Za-z0-9_]*\)(&|#|$))[^&\s#]+/i,
    /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./,  // JWT
];

function words(name: string): string[] {
    return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
}

export function credentialName(name: string): boolean {
    if (SHELL_NAMES.has(name.toUpperCase())) return false;
    if (NAME.test(name)) return true;
    const w = words(name);
    const last = w.length - 1;
    return last > 0 && (w[last] === "KEY" || w[last] === "KEYS") && SECRET_KEY_KINDS.has(w[last - 1]);
}

/**
 * An HTTP Authorization header value: a scheme and a token68 credential (RFC 7235), optionally after the header's name.
 * `Bearer $(API_TOKEN)` refers to another env var and is no literal; `Basic realm="x"` is a challenge, not a credential.
 */
const AUTHORIZATION_VALUE = /^(Authorization:\s*)?(Bearer|Basic)\s+[A-Za-z0-9._~+/-]{8,}=*$/i;

/** Names that carry an HTTP header value: Authorization itself, or *_HEADER / *_HEADERS. */
function headerName(name: string): boolean {
    const w = words(name);
    return w.includes("AUTHORIZATION") || ["HEADER", "HEADERS"].includes(w[w.length - 1]);
}

export function credentialValue(value: string): boolean {
    return VALUE.some((re) => re.test(value.trim()));
}

/**
 * Last words of a name that say it is about a credential, not the credential: where it is (JWT_SECRET_FILE,
 * SECRET_NAME), how long it lives (TOKEN_TTL), where a login sends people (AUTH_REDIRECT).
 */
const DESCRIBES = new Set(["NAME", "NAMES", "FILE", "PATH", "DIR", "MOUNT", "REF", "TTL", "EXPIRY", "EXPIRES", "EXPIRATION",
    "LIFETIME", "TIMEOUT", "AGE", "ENABLED", "DISABLED", "HEADER", "ALGORITHM", "ALG", "ISSUER", "AUDIENCE", "LENGTH",
    "HOST", "PORT", "REDIRECT", "CALLBACK", "PROVIDER", "KIND", "TYPE"]);

/** Whether the name's last word (SNAKE_CASE, kebab-case, dotted or camelCase) only describes a credential. */
export function describesCredential(name: string): boolean {
    const w = words(name);
    return w.length > 1 && DESCRIBES.has(w[w.length - 1]);
}

/** Settings that merely mention a credential (TOKEN_TTL=3600, AUTH_ENABLED=true) are not one. */
const SETTING = /^(\d+(\.\d+)?[a-z]{0,2}|true|false|yes|no|on|off)$/i;
/** A file the credential is read from (GOOGLE_APPLICATION_CREDENTIALS=/var/run/gcp/key.json): a path with a folder or an extension. */
const FILE_PATH = /^(\/|\.{1,2}\/)[\w.@+=,~-]*(\/[\w.@+=,~-]+)+$|^(\/|\.{1,2}\/)[\w@+=,~-]+\.[a-z0-9]{1,5}$/i;
/** A URL: one with a password in it is caught by its shape above, one without is an address, not a secret. */
const URL_VALUE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

/** A literal value that must not be written down where it can be read: a credential name with a value, or a credential value. */
export function looksLikeCredential(name: string, value: unknown): boolean {
    if (typeof value !== "string" || value.trim() === "") return false;
    if (credentialValue(value)) return true;
    // AUTH_HEADER describes a credential by its name, but a Bearer or Basic value in it is the credential itself.
    if (headerName(name) && AUTHORIZATION_VALUE.test(value.trim())) return true;
    if (!credentialName(name) || describesCredential(name)) return false;
    const v = value.trim();
    return !SETTING.test(v) && !FILE_PATH.test(v) && !URL_VALUE.test(v);
}
