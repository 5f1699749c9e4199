//! Deployment keys: the identifier-hash key (keyed BLAKE3 of canonical identifiers) and the
//! vault key (sealing original posts). Each comes from an environment variable or a key file of
//! 64 hex characters; local setups may let a missing file be generated (mode 0600).
//! Keys are never logged: only paths, variable names and key fingerprints are.

use doxwatch_model::{KeyedHasher, VaultKey};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum KeyError {
    #[error("reading key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}: a key is 64 hex characters (32 bytes)")]
    Format { origin: String },
    #[error("key file {path} is readable by group or others (mode {mode:o}); chmod 600 it")]
    Permissions { path: PathBuf, mode: u32 },
}

/// Where the keys come from (the `[keys]` table plus `matcher.hash_key_env`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeysConfig {
    pub hash_key_env: String,
    pub hash_key_file: Option<PathBuf>,
    pub vault_key_env: String,
    pub vault_key_file: Option<PathBuf>,
    pub generate_missing: bool,
}

/// The loaded keys; either may be absent (then alerts carry no hashes, or no evidence).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub hasher: Option<KeyedHasher>,
    pub vault: Option<VaultKey>,
}

impl Keys {
    pub fn load(cfg: &KeysConfig) -> Result<Keys, KeyError> {
        // The hash key variable predates key files and is secret material of any length.
        let hasher = match env_value(&cfg.hash_key_env) {
            Some(v) => Some(KeyedHasher::from_secret(v.as_bytes())),
            None => match &cfg.hash_key_file {
                Some(p) => Some(KeyedHasher::from_secret(&key_file(
                    p,
                    cfg.generate_missing,
                )?)),
                None => None,
            },
        };
        let vault = match env_value(&cfg.vault_key_env) {
            Some(v) => Some(VaultKey::new(&parse_hex(&v).ok_or_else(|| {
                KeyError::Format {
                    origin: format!("${}", cfg.vault_key_env),
                }
            })?)),
            None => match &cfg.vault_key_file {
                Some(p) => Some(VaultKey::new(&key_file(p, cfg.generate_missing)?)),
                None => None,
            },
        };
        Ok(Keys { hasher, vault })
    }
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Reads a key file, or creates one when `generate` and it does not exist.
pub fn key_file(path: &Path, generate: bool) -> Result<[u8; 32], KeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_mode(path)?;
            parse_hex(text.trim()).ok_or_else(|| KeyError::Format {
                origin: path.display().to_string(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && generate => {
            let key = generate_key_file(path)?;
            tracing::info!(path = %path.display(), "generated a new key file");
            Ok(key)
        }
        Err(source) => Err(KeyError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes a fresh random key to `path` (which must not exist), readable by the owner only.
pub fn generate_key_file(path: &Path) -> Result<[u8; 32], KeyError> {
    let werr = |source| KeyError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(werr)?;
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| werr(std::io::Error::other(e.to_string())))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(werr)?;
    let hex = hex::encode(key) + "\n";
    std::io::Write::write_all(&mut f, hex.as_bytes()).map_err(werr)?;
    f.sync_all().map_err(werr)?;
    Ok(key)
}

#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions {
            path: path.to_path_buf(),
            mode: mode & 0o777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path) -> Result<(), KeyError> {
    Ok(())
}

/// A 32-byte key from its 64 hex characters (surrounding white space ignored).
fn parse_hex(s: &str) -> Option<[u8; 32]> {
    hex::FromHex::from_hex(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_reads_and_refuses_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keys/vault.key");
        assert!(matches!(key_file(&p, false), Err(KeyError::Read { .. })));
        let k1 = key_file(&p, true).unwrap();
        assert_eq!(key_file(&p, false).unwrap(), k1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(
                key_file(&p, false),
                Err(KeyError::Permissions { .. })
            ));
        }
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "not hex").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let e = key_file(&bad, false).unwrap_err().to_string();
        assert!(e.contains("64 hex characters"), "{e}");
    }
}
