//! The SSRF guard: a crawled page must not make the crawler reach the operator's own network
//! (cloud metadata at 169.254.169.254, an admin panel on 10.x, a database on localhost).
//!
//! Host names are resolved by [`GuardedResolver`], which reqwest uses for every connection, so
//! the address that was checked is the address that is connected to: a DNS answer that changes
//! between check and connect (rebinding) cannot slip through. IP-literal URLs never reach a
//! resolver; [`AddressPolicy::check_url`] refuses them before any request. Both run on every
//! redirect hop, since the crawler follows redirects itself.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use url::{Host, Url};

/// Which non-public addresses a profile may reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Everything below, plus private ranges (10/8, 172.16/12, 192.168/16, CGNAT, ULA …).
    pub allow_private: bool,
    /// Loopback only (127/8, ::1): a local test fixture.
    pub allow_loopback: bool,
}

/// Refusal of an address by the guard. Carries the address class, never a page value.
#[derive(Debug, Clone, thiserror::Error)]
#[error("address refused by the SSRF guard: {host} is {class}")]
pub struct AddressRefused {
    pub host: String,
    pub class: &'static str,
}

/// The class of a non-public address, or None for a public one.
pub fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (::ffff:a.b.c.d) reaches an IPv4 host; so does NAT64 (64:ff9b::/96),
            // through the local translator: both are judged by the IPv4 address inside.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4);
            }
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let v4 =
                    Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return classify_v4(v4);
            }
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if s[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if s[0] & 0xfe00 == 0xfc00 {
                Some("unique-local")
            } else if s[0] & 0xffc0 == 0xfec0 {
                Some("site-local")
            } else if s[0] == 0x2001 && s[1] == 0x0db8 {
                Some("documentation")
            } else if s[0..6] == [0, 0, 0, 0, 0, 0] {
                // ::a.b.c.d (IPv4-compatible, deprecated).
                classify_v4(Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                ))
                .or(Some("ipv4-compatible"))
            } else {
                None
            }
        }
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("unspecified")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("cgnat")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || o[0] >= 240 {
        Some("reserved")
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        Some("ietf-protocol")
    } else if (o[0] == 192 && o[1] == 0 && o[2] == 2)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113)
    {
        Some("documentation")
    } else if o[0] == 198 && (o[1] & 0xfe) == 18 {
        Some("benchmarking")
    } else {
        None
    }
}

impl AddressPolicy {
    /// Ok if the crawler may connect to `ip` under this policy.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), AddressRefused> {
        match classify(ip) {
            None => Ok(()),
            Some(_) if self.allow_private => Ok(()),
            Some("loopback") if self.allow_loopback => Ok(()),
            Some(class) => Err(AddressRefused {
                host: host.to_string(),
                class,
            }),
        }
    }

    /// Refuses IP-literal URLs whose address is not allowed; names are left to the resolver.
    pub fn check_url(&self, url: &Url) -> Result<(), AddressRefused> {
        match url.host() {
            Some(Host::Ipv4(v4)) => self.check_ip(&v4.to_string(), IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => self.check_ip(&v6.to_string(), IpAddr::V6(v6)),
            Some(Host::Domain(_)) => Ok(()),
            None => Err(AddressRefused {
                host: String::new(),
                class: "missing",
            }),
        }
    }
}

/// reqwest's resolver: the system resolver, then the policy on every address. Addresses that
/// are refused are dropped; if none is left, resolution fails with [`AddressRefused`].
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: reqwest puts the URL's port in.
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let ok: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match policy.check_ip(&host, a.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refused = Some(e);
                        false
                    }
                })
                .collect();
            if ok.is_empty() {
                let e = refused.unwrap_or(AddressRefused {
                    host,
                    class: "unresolvable",
                });
                return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(ok.into_iter()) as Addrs)
        })
    }
}

/// The guard's refusal inside a reqwest error chain, if that is what failed.
pub fn refusal_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a AddressRefused> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<AddressRefused>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_v4_and_v6() {
        let cases: &[(&str, Option<&str>)] = &[
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("127.0.0.1", Some("loopback")),
            ("127.8.9.10", Some("loopback")),
            ("10.0.0.1", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("172.32.0.1", None),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("cgnat")),
            ("100.127.255.255", Some("cgnat")),
            ("100.128.0.1", None),
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("unspecified")),
            ("224.0.0.1", Some("multicast")),
            ("255.255.255.255", Some("reserved")),
            ("198.18.0.1", Some("benchmarking")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fe80::1", Some("link-local")),
            ("fd00::1", Some("unique-local")),
            ("fc00::1", Some("unique-local")),
            ("ff02::1", Some("multicast")),
            ("::ffff:10.0.0.1", Some("private")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::a00:1", Some("private")),
            ("64:ff9b::808:808", None),
            ("2606:4700::1111", None),
        ];
        for (ip, want) in cases {
            assert_eq!(classify(ip.parse().unwrap()), *want, "{ip}");
        }
    }

    #[test]
    fn policy_allows_loopback_only_when_asked() {
        let strict = AddressPolicy::default();
        let lo = AddressPolicy {
            allow_loopback: true,
            allow_private: false,
        };
        let all = AddressPolicy {
            allow_private: true,
            allow_loopback: true,
        };
        let l: IpAddr = "127.0.0.1".parse().unwrap();
        let p: IpAddr = "192.168.1.1".parse().unwrap();
        assert!(strict.check_ip("h", l).is_err());
        assert!(lo.check_ip("h", l).is_ok());
        assert!(lo.check_ip("h", p).is_err());
        assert!(all.check_ip("h", p).is_ok());
        let u = Url::parse("http://10.0.0.1/").unwrap();
        assert_eq!(lo.check_url(&u).unwrap_err().class, "private");
        let u = Url::parse("http://[::ffff:192.168.0.1]:8080/").unwrap();
        assert!(lo.check_url(&u).is_err());
    }

    #[tokio::test]
    async fn resolver_refuses_names_that_resolve_to_refused_addresses() {
        let r = GuardedResolver {
            policy: AddressPolicy::default(),
        };
        let e = r
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost must be refused");
        let refused = refusal_in(e.as_ref()).expect("an AddressRefused");
        assert_eq!(refused.class, "loopback");
        let r = GuardedResolver {
            policy: AddressPolicy {
                allow_loopback: true,
                allow_private: false,
            },
        };
        let addrs: Vec<_> = r
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
