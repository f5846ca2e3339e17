//! Where an HTTP job may go.
//!
//! `supabase_ext.http_allowlist` (superuser-only) lists host names
//! (`api.example.com`, `*.example.com`), addresses and CIDRs. The rules:
//! - only `http` and `https` URLs, with a host and without credentials in the
//!   URL (they would be stored and shown in clear: send them as headers);
//! - the address actually connected to is checked after resolution, so DNS
//!   rebinding can't turn an allowed name into an internal address;
//! - link-local and cloud-metadata addresses (169.254.0.0/16, fe80::/10,
//!   fd00:ec2::254) are refused for everyone unless a CIDR rule names them
//!   explicitly; unspecified, broadcast and multicast addresses always;
//! - jobs owned by superusers may go anywhere else;
//! - other owners need a rule: a name rule admits only *public* addresses
//!   (an allowed name that resolves to 10.0.0.5 is refused), internal ones
//!   (loopback, RFC 1918, CGNAT, unique-local) need a CIDR rule.
use super::JobError;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// Exact name, lowercase.
    Name(String),
    /// `*.example.com`: any name ending in `.example.com`.
    Suffix(String),
    Net(IpNet),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    rules: Vec<Rule>,
}

impl Policy {
    /// Parses the comma-separated allowlist setting.
    pub fn parse(spec: &str) -> Result<Policy, JobError> {
        let mut rules = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let lower = item.to_ascii_lowercase();
            let rule = if let Ok(net) = lower.parse::<IpNet>() {
                Rule::Net(net.trunc())
            } else if let Ok(ip) = lower.parse::<IpAddr>() {
                Rule::Net(IpNet::from(ip))
            } else if let Some(suffix) = lower.strip_prefix("*.") {
                valid_name(suffix, item)?;
                Rule::Suffix(format!(".{suffix}"))
            } else {
                valid_name(&lower, item)?;
                Rule::Name(lower)
            };
            rules.push(rule);
        }
        Ok(Policy { rules })
    }

    fn name_allowed(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.rules.iter().any(|r| match r {
            Rule::Name(n) => *n == name,
            Rule::Suffix(s) => name.ends_with(s.as_str()),
            Rule::Net(_) => false,
        })
    }

    fn net_allows(&self, addr: IpAddr) -> bool {
        self.rules.iter().any(|r| matches!(r, Rule::Net(n) if n.contains(&addr)))
    }

    fn has_nets(&self) -> bool {
        self.rules.iter().any(|r| matches!(r, Rule::Net(_)))
    }
}

fn valid_name(name: &str, item: &str) -> Result<(), JobError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(JobError::Url(format!("allowlist entry \"{item}\" is not a host name, address or CIDR")))
    }
}

/// A parsed, checked HTTP job URL.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    /// The host as written (a name, or an address literal).
    pub host: String,
    pub port: u16,
}

/// Parses and checks the form of a URL: http(s), a host, no credentials.
pub fn parse_url(s: &str) -> Result<Target, JobError> {
    let url = Url::parse(s.trim()).map_err(|e| JobError::Url(format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(JobError::Url(format!("scheme \"{}\" is not http or https", url.scheme())));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(JobError::Url("credentials in the URL are refused; send them in a header".into()));
    }
    let host = match url.host() {
        Some(Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(Host::Ipv4(a)) => a.to_string(),
        Some(Host::Ipv6(a)) => a.to_string(),
        None => return Err(JobError::Url("the URL has no host".into())),
    };
    let port = url.port_or_known_default().ok_or_else(|| JobError::Url("no port".into()))?;
    Ok(Target { url, host, port })
}

/// The check that can be made before resolving (at `job_schedule` time):
/// address literals completely, names against the name rules.
pub fn check_target(policy: &Policy, target: &Target, superuser: bool) -> Result<(), JobError> {
    if let Ok(addr) = target.host.parse::<IpAddr>() {
        return check_addr(policy, &target.host, addr, superuser);
    }
    if superuser || policy.name_allowed(&target.host) || policy.has_nets() {
        // With CIDR rules, a name is judged by the address it resolves to.
        Ok(())
    } else {
        Err(not_allowed(&target.host))
    }
}

/// The check of the address about to be connected to, after resolution.
pub fn check_addr(policy: &Policy, host: &str, addr: IpAddr, superuser: bool) -> Result<(), JobError> {
    let addr = canonical(addr);
    if never(addr) {
        return Err(JobError::Refused(format!(
            "{host} resolves to {addr}, which is never a valid destination"
        )));
    }
    if metadata_or_link_local(addr) {
        return if policy.net_allows(addr) {
            Ok(())
        } else {
            Err(JobError::Refused(format!(
                "{host} resolves to the link-local or cloud-metadata address {addr}; a superuser must list it in supabase_ext.http_allowlist"
            )))
        };
    }
    if superuser || policy.net_allows(addr) {
        return Ok(());
    }
    if policy.name_allowed(host) {
        return if internal(addr) {
            Err(JobError::Refused(format!(
                "{host} is allowed by name but resolves to the internal address {addr}; internal addresses need a CIDR entry"
            )))
        } else {
            Ok(())
        };
    }
    Err(not_allowed(host))
}

fn not_allowed(host: &str) -> JobError {
    JobError::Refused(format!(
        "{host} is not in supabase_ext.http_allowlist; HTTP jobs owned by non-superusers may only reach listed hosts"
    ))
}

/// IPv4-mapped IPv6 (`::ffff:169.254.169.254`) is judged as the IPv4 address.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(addr),
        v4 => v4,
    }
}

fn never(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_unspecified() || a.is_broadcast() || a.is_multicast() || a.octets()[0] == 0,
        IpAddr::V6(a) => a.is_unspecified() || a.is_multicast(),
    }
}

const AWS_V6_METADATA: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

fn metadata_or_link_local(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => (a.segments()[0] & 0xffc0) == 0xfe80 || a == AWS_V6_METADATA,
    }
}

fn internal(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => {
            a.is_loopback() || a.is_private() || in_v4(a, Ipv4Addr::new(100, 64, 0, 0), 10)
            // CGNAT
        }
        IpAddr::V6(a) => a.is_loopback() || (a.segments()[0] & 0xfe00) == 0xfc00, // unique local
    }
}

fn in_v4(a: Ipv4Addr, net: Ipv4Addr, prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    (u32::from(a) & mask) == (u32::from(net) & mask)
}

#[cfg(test)]
mod unit {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn url_forms() {
        assert_eq!(parse_url("https://Hooks.Example.com/x?y=1").unwrap().host, "hooks.example.com");
        assert_eq!(parse_url("http://127.0.0.1:8080/").unwrap().port, 8080);
        assert_eq!(parse_url("https://[::1]/").unwrap().host, "::1");
        for bad in
            ["ftp://x/", "file:///etc/passwd", "https://user:pw@x.com/", "not a url", "http://", "gopher://x"]
        {
            assert!(matches!(parse_url(bad), Err(JobError::Url(_))), "{bad}");
        }
    }

    #[test]
    fn metadata_is_refused_even_for_superusers() {
        let empty = Policy::default();
        for a in ["169.254.169.254", "fd00:ec2::254", "fe80::1", "::ffff:169.254.169.254"] {
            assert!(matches!(check_addr(&empty, "h", ip(a), true), Err(JobError::Refused(_))), "{a}");
        }
        let explicit = Policy::parse("169.254.169.254/32").unwrap();
        assert!(check_addr(&explicit, "h", ip("169.254.169.254"), true).is_ok());
        for a in ["0.0.0.0", "255.255.255.255", "224.0.0.1", "::"] {
            assert!(check_addr(&explicit, "h", ip(a), true).is_err(), "{a}");
        }
    }

    #[test]
    fn non_superusers_need_a_rule() {
        let p = Policy::parse("hooks.example.com, *.n8n.example.org, 127.0.0.1/32").unwrap();
        let t = |u: &str| parse_url(u).unwrap();
        assert!(check_target(&p, &t("https://hooks.example.com/a"), false).is_ok());
        assert!(check_target(&p, &t("https://flow.n8n.example.org/a"), false).is_ok());
        assert!(check_target(&p, &t("http://127.0.0.1:9000/"), false).is_ok());
        assert!(check_target(&p, &t("http://10.0.0.1/"), false).is_err());
        assert!(check_target(&Policy::default(), &t("https://evil.example.net/"), false).is_err());
        assert!(check_target(&Policy::default(), &t("https://evil.example.net/"), true).is_ok());
        // Resolution: a public address for an allowed name passes...
        assert!(check_addr(&p, "hooks.example.com", ip("93.184.216.34"), false).is_ok());
        // ...an internal one (DNS rebinding) does not, unless a CIDR allows it.
        for a in ["10.0.0.5", "192.168.1.1", "172.16.0.1", "100.64.0.1", "::1", "fd12::1", "127.0.0.2"] {
            assert!(check_addr(&p, "hooks.example.com", ip(a), false).is_err(), "{a}");
        }
        assert!(check_addr(&p, "hooks.example.com", ip("127.0.0.1"), false).is_ok());
        // A name not listed never passes for a non-superuser.
        assert!(check_addr(&p, "other.example.com", ip("93.184.216.34"), false).is_err());
    }

    #[test]
    fn allowlist_syntax() {
        assert!(Policy::parse("").unwrap().rules.is_empty());
        assert!(Policy::parse(" a.com , 10.0.0.0/8 ,::1").is_ok());
        assert!(Policy::parse("bad host!").is_err());
        assert!(Policy::parse("*.").is_err());
    }
}
