//! Pipeline configuration: TOML parsed into raw serde structs (`deny_unknown_fields`, a
//! `version`), then [`RawConfig::validate`] turns them into a [`Config`] the runtime trusts.
//! `doxwatch check-config FILE` runs exactly these two steps.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const CONFIG_VERSION: u32 = 1;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub version: u32,
    #[serde(default)]
    pub matcher: RawMatcher,
    #[serde(default)]
    pub sources: Vec<RawSource>,
    #[serde(default)]
    pub sinks: Vec<RawSink>,
    #[serde(default)]
    pub metrics: Option<RawMetrics>,
    #[serde(default)]
    pub keys: RawKeys,
    #[serde(default)]
    pub server: Option<RawServer>,
}

/// The HTTP API and web UI (`crates/server`), run by `doxwatch run` beside the pipeline or
/// alone with `--role server`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Address of the API and UI, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// Store directory (default: the store sink's).
    pub store: Option<PathBuf>,
    /// Where exports are written (default `STORE/exports`).
    pub exports: Option<PathBuf>,
    /// Mark the session cookie `Secure` (default true; browsers accept it on loopback).
    pub cookie_secure: Option<bool>,
    /// Requests per minute per client address on login and health (default 60).
    pub public_per_minute: Option<u32>,
    /// Largest request body in bytes (default 1 MiB).
    pub max_body_bytes: Option<usize>,
    /// A leak set built with `--oprf-key`: serve the private self-check from it.
    pub selfcheck_set: Option<PathBuf>,
    /// The OPRF key file of that set (default: beside the set, `SET.oprf.key`).
    pub selfcheck_oprf_key: Option<PathBuf>,
    /// Self-check queries per minute per client address (default 30).
    pub selfcheck_per_minute: Option<u32>,
}

/// Key sources. An environment variable, when set, wins over its file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeys {
    /// Identifier-hash key file (64 hex characters, mode 0600).
    pub hash_key_file: Option<PathBuf>,
    /// Environment variable with the vault key, 64 hex characters (default `DOXWATCH_VAULT_KEY`).
    pub vault_key_env: Option<String>,
    /// Vault key file (64 hex characters, mode 0600).
    pub vault_key_file: Option<PathBuf>,
    /// Create missing key files (default false; the local embedded setup turns it on).
    pub generate_missing: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    /// Address of the `/metrics` endpoint, e.g. `127.0.0.1:9898`.
    pub listen: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatcher {
    /// Matcher threads; 0 or absent: one per core.
    pub workers: Option<usize>,
    /// Records larger than this are rejected (dead-lettered), in bytes.
    pub max_record_bytes: Option<usize>,
    /// Records per batch handed to a matcher thread.
    pub batch_records: Option<usize>,
    /// Batches in flight between sources and sinks (bounds memory under backpressure).
    pub queue_batches: Option<usize>,
    /// Environment variable holding the identifier-hash key.
    pub hash_key_env: Option<String>,
    /// Verdicts that raise an alert (default: doxxing, data_sale_ad, leak_repost).
    pub alert_on: Option<Vec<String>>,
    /// Known-leak set directories (`doxwatch leakset build`), built with this pipeline's hash
    /// key; every identifier is looked up in each.
    pub leaksets: Option<Vec<PathBuf>>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawSource {
    /// A directory of JSONL files: each is read from its checkpoint and moved to `done/` once
    /// all its alerts are written.
    Inbox {
        dir: PathBuf,
        /// Keep watching for new files (default true); false: stop when the inbox is empty.
        follow: Option<bool>,
    },
    /// JSONL posts on standard input, until end of input.
    Stdin {},
    /// A Kafka topic read in a consumer group (`doxwatch.posts.v1`); offsets are committed only
    /// after the batch's alerts are acknowledged; refused records go to `dlq_topic`.
    Kafka {
        brokers: String,
        topic: Option<String>,
        group: Option<String>,
        dlq_topic: Option<String>,
        /// Create missing topics with this many partitions (tests, demos).
        create_partitions: Option<i32>,
        /// librdkafka client properties (see [`ClientProperties`]): TLS and SASL for a real
        /// cluster, fetch tuning.
        #[serde(default)]
        properties: std::collections::BTreeMap<String, String>,
    },
    /// The platform feed intake: `POST /v1/posts` with an NDJSON body and a bearer token.
    Http {
        listen: String,
        /// Environment variable holding the bearer token (default `DOXWATCH_INTAKE_TOKEN`).
        token_env: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawSink {
    /// Alerts appended to a JSONL file, flushed and synced before the batch is acknowledged.
    AlertsFile { path: PathBuf },
    /// Alerts as JSONL on standard output.
    Stdout {},
    /// Alerts produced to a Kafka topic (`doxwatch.alerts.v1`, key = post id) by an idempotent
    /// producer; a batch is acknowledged once the broker acknowledged every alert.
    Kafka {
        brokers: String,
        topic: Option<String>,
        /// librdkafka client properties (see [`ClientProperties`]).
        #[serde(default)]
        properties: std::collections::BTreeMap<String, String>,
    },
    /// The investigators' store: alert index, evidence vault, subjects and cases. Needs both
    /// keys. A batch is acknowledged after the index commit that holds it.
    Store { dir: PathBuf },
    /// Alerts POSTed as a JSON array per batch, retried with backoff.
    Webhook {
        url: String,
        /// Environment variable with a bearer token for the receiver (optional).
        token_env: Option<String>,
    },
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub workers: usize,
    pub max_record_bytes: usize,
    pub batch_records: usize,
    pub queue_batches: usize,
    pub alert_on: Vec<doxwatch_model::Verdict>,
    pub sources: Vec<SourceConfig>,
    pub sinks: Vec<SinkConfig>,
    pub metrics_listen: Option<std::net::SocketAddr>,
    pub keys: crate::keys::KeysConfig,
    /// Known-leak sets, opened (and checked against the hash key) when the pipeline starts.
    pub leaksets: Vec<PathBuf>,
    pub server: Option<ServerSettings>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerSettings {
    pub listen: std::net::SocketAddr,
    pub store: PathBuf,
    pub exports: Option<PathBuf>,
    pub cookie_secure: bool,
    pub public_per_minute: u32,
    pub max_body_bytes: usize,
    pub selfcheck_set: Option<PathBuf>,
    pub selfcheck_oprf_key: Option<PathBuf>,
    pub selfcheck_per_minute: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceConfig {
    Inbox {
        dir: PathBuf,
        follow: bool,
    },
    Stdin,
    Http {
        listen: std::net::SocketAddr,
        token_env: String,
    },
    Kafka {
        brokers: String,
        topic: String,
        group: String,
        dlq_topic: String,
        create_partitions: Option<i32>,
        properties: ClientProperties,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum SinkConfig {
    AlertsFile {
        path: PathBuf,
    },
    Stdout,
    Webhook {
        url: String,
        token_env: Option<String>,
    },
    Kafka {
        brokers: String,
        topic: String,
        properties: ClientProperties,
    },
    Store {
        dir: PathBuf,
    },
}

/// librdkafka client properties given in a Kafka source's or sink's `properties` table
/// (`"security.protocol" = "SASL_SSL"`, `"sasl.mechanism" = "SCRAM-SHA-512"`,
/// `"fetch.max.bytes" = "…"`). A value written `env:NAME` is read from the environment variable
/// `NAME` when the client is created, so secrets stay out of the file. The properties through
/// which doxwatch keeps its delivery guarantees are refused ([`ClientProperties::OWNED`]).
/// `Debug` prints the keys only: a value may be a password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientProperties(Vec<(String, String)>);

impl ClientProperties {
    /// Set by doxwatch itself: the brokers and the group have their own keys; offsets are
    /// committed by hand after the alerts are acknowledged, from the earliest offset of a new
    /// group; alerts are produced idempotently and acknowledged by all replicas.
    pub const OWNED: &'static [&'static str] = &[
        "bootstrap.servers",
        "metadata.broker.list",
        "group.id",
        "enable.auto.commit",
        "enable.auto.offset.store",
        "auto.offset.reset",
        "enable.idempotence",
        "acks",
        "request.required.acks",
        "transactional.id",
    ];

    fn new(
        what: &str,
        raw: std::collections::BTreeMap<String, String>,
    ) -> Result<ClientProperties, String> {
        let mut v = Vec::new();
        for (k, val) in raw {
            let key = k.trim();
            if key.is_empty() {
                return Err(format!("{what}: an empty key in `properties`"));
            }
            if Self::OWNED.contains(&key) {
                return Err(format!(
                    "{what}: `properties` may not set `{key}`: doxwatch sets it (brokers and \
                     group have their own keys; commits, offsets and acknowledgements keep the \
                     at-least-once guarantee)"
                ));
            }
            if let Some(name) = val.strip_prefix("env:") {
                if name.is_empty() {
                    return Err(format!("{what}: property `{key}`: `env:` without a name"));
                }
            }
            v.push((key.to_string(), val));
        }
        Ok(ClientProperties(v))
    }

    /// Properties given in code (a bench's tuning, a test), checked as the config checks them.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<ClientProperties, String> {
        let raw = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        ClientProperties::new("properties", raw)
    }

    /// Whether `key` is given.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// The properties with every `env:NAME` value read from the environment.
    pub fn resolve(&self) -> Result<Vec<(String, String)>, String> {
        self.0
            .iter()
            .map(|(k, v)| match v.strip_prefix("env:") {
                Some(name) => std::env::var(name)
                    .map(|x| (k.clone(), x))
                    .map_err(|_| format!("property `{k}`: environment variable {name} is not set")),
                None => Ok((k.clone(), v.clone())),
            })
            .collect()
    }
}

impl std::fmt::Debug for ClientProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| k))
            .finish()
    }
}

impl RawConfig {
    pub fn parse(path: &Path, text: &str) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })
    }

    pub fn validate(self, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        if self.version != CONFIG_VERSION {
            return Err(invalid(format!(
                "unsupported version {} (this build reads version {CONFIG_VERSION})",
                self.version
            )));
        }
        if self.sources.is_empty() {
            return Err(invalid("at least one [[sources]] entry is required".into()));
        }
        if self.sinks.is_empty() {
            return Err(invalid("at least one [[sinks]] entry is required".into()));
        }
        let m = self.matcher;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = match m.workers {
            None | Some(0) => cores,
            Some(n) if n > 256 => {
                return Err(invalid(format!("matcher.workers = {n} is over 256")))
            }
            Some(n) => n,
        };
        let max_record_bytes = m.max_record_bytes.unwrap_or(1 << 20);
        if max_record_bytes == 0 || max_record_bytes > 64 << 20 {
            return Err(invalid(
                "matcher.max_record_bytes must be in 1..=67108864".into(),
            ));
        }
        let batch_records = m.batch_records.unwrap_or(2048);
        if !(1..=100_000).contains(&batch_records) {
            return Err(invalid(
                "matcher.batch_records must be in 1..=100000".into(),
            ));
        }
        let queue_batches = m.queue_batches.unwrap_or(2 * workers).max(1);
        let alert_on = match m.alert_on {
            None => vec![
                doxwatch_model::Verdict::Doxxing,
                doxwatch_model::Verdict::DataSaleAd,
                doxwatch_model::Verdict::LeakRepost,
            ],
            Some(list) => list
                .iter()
                .map(|v| {
                    serde_json::from_value(serde_json::Value::String(v.clone()))
                        .map_err(|_| invalid(format!("matcher.alert_on: unknown verdict `{v}`")))
                })
                .collect::<Result<_, _>>()?,
        };
        let leaksets = m.leaksets.unwrap_or_default();
        for (i, p) in leaksets.iter().enumerate() {
            if p.as_os_str().is_empty() {
                return Err(invalid("matcher.leaksets: an entry is empty".into()));
            }
            if leaksets[..i].contains(p) {
                return Err(invalid(format!(
                    "matcher.leaksets: {} is listed twice",
                    p.display()
                )));
            }
        }
        let mut sources = Vec::new();
        let mut stdin = 0;
        for s in self.sources {
            sources.push(match s {
                RawSource::Inbox { dir, follow } => {
                    if dir.as_os_str().is_empty() {
                        return Err(invalid("inbox source: `dir` is empty".into()));
                    }
                    if sources
                        .iter()
                        .any(|o| matches!(o, SourceConfig::Inbox { dir: d, .. } if *d == dir))
                    {
                        return Err(invalid(format!("inbox {} is listed twice", dir.display())));
                    }
                    SourceConfig::Inbox {
                        dir,
                        follow: follow.unwrap_or(true),
                    }
                }
                RawSource::Stdin {} => {
                    stdin += 1;
                    SourceConfig::Stdin
                }
                RawSource::Kafka {
                    brokers,
                    topic,
                    group,
                    dlq_topic,
                    create_partitions,
                    properties,
                } => {
                    if brokers.trim().is_empty() {
                        return Err(invalid("kafka source: `brokers` is empty".into()));
                    }
                    SourceConfig::Kafka {
                        brokers,
                        topic: topic.unwrap_or_else(|| "doxwatch.posts.v1".into()),
                        group: group.unwrap_or_else(|| "doxwatch-matchers".into()),
                        dlq_topic: dlq_topic.unwrap_or_else(|| "doxwatch.posts.dlq.v1".into()),
                        create_partitions,
                        properties: ClientProperties::new("kafka source", properties)
                            .map_err(invalid)?,
                    }
                }
                RawSource::Http { listen, token_env } => SourceConfig::Http {
                    listen: listen.parse().map_err(|_| {
                        invalid(format!("http source: `{listen}` is not an address:port"))
                    })?,
                    token_env: token_env.unwrap_or_else(|| "DOXWATCH_INTAKE_TOKEN".into()),
                },
            });
        }
        if stdin > 1 {
            return Err(invalid("stdin can be a source only once".into()));
        }
        let mut sinks = Vec::new();
        for s in self.sinks {
            sinks.push(match s {
                RawSink::AlertsFile { path } => {
                    if path.as_os_str().is_empty() {
                        return Err(invalid("alerts_file sink: `path` is empty".into()));
                    }
                    SinkConfig::AlertsFile { path }
                }
                RawSink::Stdout {} => SinkConfig::Stdout,
                RawSink::Kafka {
                    brokers,
                    topic,
                    properties,
                } => {
                    if brokers.trim().is_empty() {
                        return Err(invalid("kafka sink: `brokers` is empty".into()));
                    }
                    SinkConfig::Kafka {
                        brokers,
                        topic: topic.unwrap_or_else(|| "doxwatch.alerts.v1".into()),
                        properties: ClientProperties::new("kafka sink", properties)
                            .map_err(invalid)?,
                    }
                }
                RawSink::Store { dir } => {
                    if dir.as_os_str().is_empty() {
                        return Err(invalid("store sink: `dir` is empty".into()));
                    }
                    if sinks.iter().any(|o| matches!(o, SinkConfig::Store { .. })) {
                        return Err(invalid("only one store sink is allowed".into()));
                    }
                    SinkConfig::Store { dir }
                }
                RawSink::Webhook { url, token_env } => {
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(invalid(format!(
                            "webhook sink: `{url}` is not an http(s) URL"
                        )));
                    }
                    SinkConfig::Webhook { url, token_env }
                }
            });
        }
        let metrics_listen = match self.metrics {
            None => None,
            Some(m) => Some(m.listen.parse().map_err(|_| {
                invalid(format!(
                    "metrics.listen: `{}` is not an address:port",
                    m.listen
                ))
            })?),
        };
        let server = match self.server {
            None => None,
            Some(r) => {
                let listen = r.listen.parse().map_err(|_| {
                    invalid(format!(
                        "server.listen: `{}` is not an address:port",
                        r.listen
                    ))
                })?;
                let store = r
                    .store
                    .or_else(|| {
                        sinks.iter().find_map(|s| match s {
                            SinkConfig::Store { dir } => Some(dir.clone()),
                            _ => None,
                        })
                    })
                    .ok_or_else(|| {
                        invalid("server: set server.store (there is no store sink)".into())
                    })?;
                Some(ServerSettings {
                    listen,
                    store,
                    exports: r.exports,
                    cookie_secure: r.cookie_secure.unwrap_or(true),
                    public_per_minute: r.public_per_minute.unwrap_or(60),
                    max_body_bytes: r.max_body_bytes.unwrap_or(1 << 20).max(1024),
                    selfcheck_oprf_key: r.selfcheck_oprf_key,
                    selfcheck_set: r.selfcheck_set,
                    selfcheck_per_minute: r.selfcheck_per_minute.unwrap_or(30),
                })
            }
        };
        Ok(Config {
            server,
            metrics_listen,
            workers,
            max_record_bytes,
            batch_records,
            queue_batches,
            keys: crate::keys::KeysConfig {
                hash_key_env: m.hash_key_env.unwrap_or_else(|| "DOXWATCH_HASH_KEY".into()),
                hash_key_file: self.keys.hash_key_file,
                vault_key_env: self
                    .keys
                    .vault_key_env
                    .unwrap_or_else(|| "DOXWATCH_VAULT_KEY".into()),
                vault_key_file: self.keys.vault_key_file,
                generate_missing: self.keys.generate_missing.unwrap_or(false),
            },
            alert_on,
            sources,
            sinks,
            leaksets,
        })
    }
}

/// Reads, parses and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    RawConfig::parse(path, &text)?.validate(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Config, ConfigError> {
        let p = Path::new("test.toml");
        RawConfig::parse(p, text)?.validate(p)
    }

    #[test]
    fn minimal_config() {
        let c = check(
            r#"version = 1
               [[sources]]
               type = "inbox"
               dir = "data/inbox"
               [[sinks]]
               type = "alerts_file"
               path = "data/alerts.jsonl""#,
        )
        .unwrap();
        assert_eq!(
            c.sources,
            vec![SourceConfig::Inbox {
                dir: "data/inbox".into(),
                follow: true
            }]
        );
        assert!(c.workers >= 1);
        assert_eq!(c.alert_on.len(), 3);
    }

    /// A Kafka source's and sink's `properties` reach their configs; the ones doxwatch owns are
    /// refused; `Debug` (error messages, logs) shows the keys and never a value.
    #[test]
    fn kafka_client_properties() {
        let c = check(
            r#"version = 1
               [[sources]]
               type = "kafka"
               brokers = "b:9092"
               properties = { "security.protocol" = "SASL_SSL", "sasl.password" = "env:KAFKA_PW" }
               [[sinks]]
               type = "kafka"
               brokers = "b:9092"
               properties = { "linger.ms" = "20" }"#,
        )
        .unwrap();
        let SourceConfig::Kafka { properties, .. } = &c.sources[0] else {
            panic!("{:?}", c.sources)
        };
        assert!(properties.has("security.protocol") && properties.has("sasl.password"));
        let shown = format!("{:?}", c.sources[0]);
        assert!(
            shown.contains("sasl.password") && !shown.contains("KAFKA_PW"),
            "{shown}"
        );
        std::env::set_var("DOXWATCH_TEST_KAFKA_PW", "s3cret");
        let p = ClientProperties::from_pairs([("sasl.password", "env:DOXWATCH_TEST_KAFKA_PW")])
            .unwrap();
        assert_eq!(
            p.resolve().unwrap(),
            vec![("sasl.password".into(), "s3cret".into())]
        );
        let missing = ClientProperties::from_pairs([("sasl.password", "env:DOXWATCH_TEST_UNSET")])
            .unwrap()
            .resolve()
            .unwrap_err();
        assert!(missing.contains("DOXWATCH_TEST_UNSET"), "{missing}");
        for key in [
            "enable.auto.commit",
            "group.id",
            "acks",
            "bootstrap.servers",
        ] {
            let text = format!(
                "version = 1\n[[sources]]\ntype = \"kafka\"\nbrokers = \"b\"\nproperties = {{ \"{key}\" = \"x\" }}\n[[sinks]]\ntype = \"stdout\""
            );
            let e = check(&text).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains("may not set"), "{e}");
        }
        assert!(ClientProperties::from_pairs([("x", "env:")]).is_err());
    }

    #[test]
    fn rejections() {
        let cases: &[(&str, &str)] = &[
            ("wrong version", "version = 2\n[[sources]]\ntype = \"stdin\"\n[[sinks]]\ntype = \"stdout\""),
            ("unknown field", "version = 1\nbogus = 3\n[[sources]]\ntype = \"stdin\"\n[[sinks]]\ntype = \"stdout\""),
            ("unknown source field", "version = 1\n[[sources]]\ntype = \"inbox\"\ndir = \"x\"\nwatch = true\n[[sinks]]\ntype = \"stdout\""),
            ("unknown source type", "version = 1\n[[sources]]\ntype = \"ftp\"\n[[sinks]]\ntype = \"stdout\""),
            ("no sinks", "version = 1\n[[sources]]\ntype = \"stdin\""),
            ("no sources", "version = 1\n[[sinks]]\ntype = \"stdout\""),
            ("two stdins", "version = 1\n[[sources]]\ntype = \"stdin\"\n[[sources]]\ntype = \"stdin\"\n[[sinks]]\ntype = \"stdout\""),
            ("bad verdict", "version = 1\n[matcher]\nalert_on = [\"spam\"]\n[[sources]]\ntype = \"stdin\"\n[[sinks]]\ntype = \"stdout\""),
            ("empty leak set path", "version = 1\n[matcher]\nleaksets = [\"\"]\n[[sources]]\ntype = \"stdin\"\n[[sinks]]\ntype = \"stdout\""),
            ("zero record size", "version = 1\n[matcher]\nmax_record_bytes = 0\n[[sources]]\ntype = \"stdin\"\n[[sinks]]\ntype = \"stdout\""),
        ];
        for (name, text) in cases {
            assert!(check(text).is_err(), "{name} should be rejected");
        }
    }

    #[test]
    fn every_shipped_pipeline_validates() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                load(&p).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
        assert!(n >= 1, "no pipeline in {}", dir.display());
    }
}
