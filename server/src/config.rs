//! Configuration from environment variables; every variable has a documented default.

use std::path::PathBuf;

/// Where Firebase's public keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    Url(String),
    File(PathBuf),
}

/// Google's published keys for Firebase ID tokens.
pub const FIREBASE_JWKS_URL: &str =
    "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// Accounts with e-mail and password kept by this server, which signs its own tokens.
    Local,
    /// Firebase ID tokens from the mobile apps, checked against the project's keys.
    Firebase { project: String, jwks: JwksSource },
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// A streaming standby of the PostgreSQL primary for pulls, pages and exports; a read
    /// goes to the primary when the standby has not replayed what its caller has seen.
    pub database_replica_url: Option<String>,
    pub data_dir: PathBuf,
    pub auth: AuthMode,
    /// Key for the tokens this server signs; when unset, one is generated and kept in the
    /// database so every server process on it agrees.
    pub token_secret: Option<String>,
    /// Marks the session cookie `Secure`; turn on behind HTTPS.
    pub secure_cookies: bool,
    pub max_body_bytes: usize,
    /// Largest file `POST /api/import` takes (an export of many years is a few MB).
    pub import_max_bytes: usize,
    /// Most records one push may carry: bounds the work and memory of one request (a
    /// device's first push of years of training is ~40,000).
    pub max_push_records: usize,
    /// Sign-in and sign-up attempts a client address may make per minute (a burst of that
    /// many, then one every 60/n seconds).
    pub signin_per_address: u32,
    /// Sign-in and sign-up attempts for one e-mail address per hour, from anywhere: stops
    /// guessing one account's password from many addresses.
    pub signin_per_account: u32,
    /// Use the last `X-Forwarded-For` entry as the client address (only behind a proxy
    /// that sets it; otherwise anyone could choose their own address).
    pub trust_proxy: bool,
    /// Password hashes computed at once; each argon2 hash holds ~19 MiB, so a flood of
    /// sign-ins waits its turn instead of exhausting memory.
    pub password_hashes: usize,
    /// A request that has not answered after this long gets `408`.
    pub request_timeout: std::time::Duration,
    /// Bytes the server keeps of computed page figures (dashboard, history, exercise pages).
    pub figures_cache_bytes: u64,
    /// Bytes (as weighed: 2 KiB a record) of users' records the server keeps in memory to
    /// compute figures from, so the page after a push reads only what changed. The default
    /// holds three five-year heavy users (155k records each) or thousands of usual ones;
    /// an account weighing more than all of it is read whole for each new figure.
    pub records_cache_bytes: u64,
    /// Serve `GET /metrics` (for a scraper on the operator's network, not the public).
    pub metrics: bool,
    /// The contact push services see in each rest alert's VAPID token (`mailto:` or an
    /// `https:` page), so they can reach the operator about its traffic.
    pub push_contact: String,
    /// Accept `http:` push endpoints and endpoints at loopback or private addresses: only
    /// for a push service on this machine (tests). Real push services are `https:` on the
    /// internet, and refusing the rest keeps the sender from being aimed at the operator's
    /// own network.
    pub push_local_endpoints: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field(
                "database_replica_url",
                &self.database_replica_url.as_deref().map(redact_url),
            )
            .field("data_dir", &self.data_dir)
            .field("auth", &self.auth)
            .field(
                "token_secret",
                &self.token_secret.as_ref().map(|_| "<hidden>"),
            )
            .field("secure_cookies", &self.secure_cookies)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("import_max_bytes", &self.import_max_bytes)
            .field("max_push_records", &self.max_push_records)
            .field("signin_per_address", &self.signin_per_address)
            .field("signin_per_account", &self.signin_per_account)
            .field("trust_proxy", &self.trust_proxy)
            .field("password_hashes", &self.password_hashes)
            .field("request_timeout", &self.request_timeout)
            .field("figures_cache_bytes", &self.figures_cache_bytes)
            .field("records_cache_bytes", &self.records_cache_bytes)
            .field("metrics", &self.metrics)
            .field("push_contact", &self.push_contact)
            .field("push_local_endpoints", &self.push_local_endpoints)
            .finish()
    }
}

/// Hides a password in a database URL (`postgres://user:secret@host` → `user:***@host`).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let data_dir = PathBuf::from(get("EZLIFT_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/ezlift.db", data_dir.display()));
        let auth = match get("EZLIFT_AUTH").as_deref().unwrap_or("local") {
            "local" => AuthMode::Local,
            "firebase" => {
                let project = get("EZLIFT_FIREBASE_PROJECT").ok_or(
                    "EZLIFT_AUTH=firebase needs EZLIFT_FIREBASE_PROJECT (the Firebase project id)",
                )?;
                let jwks = match get("EZLIFT_FIREBASE_JWKS") {
                    None => JwksSource::Url(FIREBASE_JWKS_URL.into()),
                    Some(s) if s.starts_with("https://") || s.starts_with("http://") => {
                        JwksSource::Url(s)
                    }
                    Some(path) => JwksSource::File(PathBuf::from(path)),
                };
                AuthMode::Firebase { project, jwks }
            }
            other => {
                return Err(format!(
                    "EZLIFT_AUTH must be local or firebase, not {other:?}"
                ))
            }
        };
        let number = |key: &str, default: usize, what: &str| -> Result<usize, String> {
            match get(key) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{key} must be {what}, not {v:?}")),
            }
        };
        let flag = |key: &str| -> Result<bool, String> {
            match get(key).as_deref() {
                None | Some("0" | "false") => Ok(false),
                Some("1" | "true") => Ok(true),
                Some(other) => Err(format!("{key} must be true or false, not {other:?}")),
            }
        };
        let positive = |key: &str, default: usize, what: &str| -> Result<usize, String> {
            let n = number(key, default, what)?;
            if n == 0 {
                return Err(format!("{key} must be at least 1"));
            }
            Ok(n)
        };
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let max_body_bytes = number(
            "EZLIFT_MAX_BODY_BYTES",
            32 * 1024 * 1024,
            "a number of bytes",
        )?;
        let import_max_bytes = number(
            "EZLIFT_IMPORT_MAX_BYTES",
            64 * 1024 * 1024,
            "a number of bytes",
        )?;
        let secure_cookies = flag("EZLIFT_SECURE_COOKIES")?;
        let max_push_records = positive("EZLIFT_MAX_PUSH_RECORDS", 50_000, "a number of records")?;
        let signin_per_address = positive(
            "EZLIFT_SIGNIN_PER_ADDRESS",
            30,
            "a number of attempts per minute",
        )?;
        let signin_per_account = positive(
            "EZLIFT_SIGNIN_PER_ACCOUNT",
            30,
            "a number of attempts per hour",
        )?;
        let trust_proxy = flag("EZLIFT_TRUST_PROXY")?;
        let metrics = flag("EZLIFT_METRICS")?;
        let push_local_endpoints = flag("EZLIFT_PUSH_LOCAL_ENDPOINTS")?;
        let push_contact =
            get("EZLIFT_PUSH_CONTACT").unwrap_or_else(|| "mailto:admin@ezlift.invalid".into());
        if !(push_contact.starts_with("mailto:") || push_contact.starts_with("https://")) {
            return Err(format!(
                "EZLIFT_PUSH_CONTACT must be a mailto: or https: address, not {push_contact:?}"
            ));
        }
        let password_hashes = positive("EZLIFT_PASSWORD_HASHES", cores, "a number")?;
        let request_timeout = positive("EZLIFT_REQUEST_TIMEOUT_SECS", 30, "a number of seconds")?;
        let figures_cache_bytes =
            positive("EZLIFT_FIGURES_CACHE_BYTES", 64 << 20, "a number of bytes")?;
        let records_cache_bytes =
            positive("EZLIFT_RECORDS_CACHE_BYTES", 1 << 30, "a number of bytes")?;
        Ok(Self {
            database_url,
            database_replica_url: get("DATABASE_REPLICA_URL"),
            data_dir,
            auth,
            token_secret: get("EZLIFT_TOKEN_SECRET"),
            secure_cookies,
            max_body_bytes,
            import_max_bytes,
            max_push_records,
            signin_per_address: u32::try_from(signin_per_address).unwrap_or(u32::MAX),
            signin_per_account: u32::try_from(signin_per_account).unwrap_or(u32::MAX),
            trust_proxy,
            password_hashes,
            request_timeout: std::time::Duration::from_secs(request_timeout as u64),
            figures_cache_bytes: figures_cache_bytes as u64,
            records_cache_bytes: records_cache_bytes as u64,
            metrics,
            push_contact,
            push_local_endpoints,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn defaults_to_embedded_sqlite_and_local_accounts() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/ezlift.db");
        assert_eq!(c.auth, AuthMode::Local);
        assert!(!c.secure_cookies);
    }

    #[test]
    fn firebase_needs_a_project_and_reads_a_jwks_file_or_url() {
        assert!(config(&[("EZLIFT_AUTH", "firebase")]).is_err());
        let c = config(&[
            ("EZLIFT_AUTH", "firebase"),
            ("EZLIFT_FIREBASE_PROJECT", "ezlift-prod"),
            ("EZLIFT_FIREBASE_JWKS", "/etc/keys.json"),
        ])
        .unwrap();
        assert_eq!(
            c.auth,
            AuthMode::Firebase {
                project: "ezlift-prod".into(),
                jwks: JwksSource::File("/etc/keys.json".into())
            }
        );
        assert!(config(&[("EZLIFT_AUTH", "ldap")]).is_err());
    }

    #[test]
    fn limits_are_numbers_and_say_which_variable_is_wrong() {
        let c = config(&[("EZLIFT_MAX_PUSH_RECORDS", "100")]).unwrap();
        assert_eq!(c.max_push_records, 100);
        assert_eq!(c.signin_per_address, 30);
        for (key, value) in [
            ("EZLIFT_MAX_PUSH_RECORDS", "0"),
            ("EZLIFT_SIGNIN_PER_ADDRESS", "many"),
            ("EZLIFT_TRUST_PROXY", "yes"),
            ("EZLIFT_REQUEST_TIMEOUT_SECS", "-1"),
        ] {
            let err = config(&[(key, value)]).err().unwrap();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let c = config(&[
            ("DATABASE_URL", "postgres://app:hunter2@db/ezlift"),
            (
                "DATABASE_REPLICA_URL",
                "postgres://app:hunter3@standby/ezlift",
            ),
            ("EZLIFT_TOKEN_SECRET", "s3cr3t-value"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2")
                && !shown.contains("hunter3")
                && !shown.contains("s3cr3t-value"),
            "{shown}"
        );
        assert!(shown.contains("postgres://app:***@db/ezlift"));
        assert!(shown.contains("postgres://app:***@standby/ezlift"));
    }
}
