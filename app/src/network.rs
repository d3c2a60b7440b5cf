//! Where a request came from. Behind a TLS proxy every connection comes from
//! the proxy, so the client's address is read from `X-Forwarded-For`, but
//! only when the connection comes from a proxy we were told to trust
//! (`TRUSTED_PROXIES`): anyone else could write any address there.
use std::net::{IpAddr, Ipv6Addr};

/// The client's address, worked out once per request by the router and kept
/// in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// An address or a range of addresses, such as 10.0.0.0/8 or fd00::/8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    network: IpAddr,
    prefix: u8,
}

impl Range {
    /// Reads "192.0.2.1", "10.0.0.0/8", "::1" or "2001:db8::/32".
    pub fn parse(text: &str) -> Option<Range> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let address = canonical(address.parse::<IpAddr>().ok()?);
        let most = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(most);
        (prefix <= most).then(|| Range {
            network: masked(address, prefix),
            prefix,
        })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        address.is_ipv4() == self.network.is_ipv4() && masked(address, self.prefix) == self.network
    }
}

/// The proxies whose `X-Forwarded-For` is believed. Empty by default: then
/// the header is ignored and the connection's own address is the client's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Range>);

impl TrustedProxies {
    /// Reads a comma-separated list; the text that is not an address or
    /// range is given back as the error.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| Range::parse(part).ok_or_else(|| part.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(address))
    }

    /// The client behind `peer`. Each proxy appends the address it was
    /// reached from, so the list is read from the right, skipping trusted
    /// proxies; the first untrusted address is the client. Whatever lies to
    /// its left was written by the client and may be invented.
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|value| value.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.trim().parse::<IpAddr>() {
                Ok(address) => {
                    client = canonical(address);
                    if !self.trusts(client) {
                        break;
                    }
                }
                // A hop we cannot read: stop at the last address we could.
                Err(_) => break,
            }
        }
        client
    }
}

/// An IPv4 address written as IPv6 (::ffff:192.0.2.1) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    address.to_canonical()
}

fn masked(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & mask))
        }
    }
}

/// The part of an address that one rate-limit bucket counts. An IPv6
/// household or server is usually given a whole /64, so counting single
/// IPv6 addresses would give each client billions of buckets.
pub fn rate_limit_key(source: &str) -> String {
    match source.parse::<IpAddr>().map(canonical) {
        Ok(IpAddr::V6(v6)) => format!("{}/64", masked(IpAddr::V6(v6), 64)),
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_of_both_kinds_are_read_and_matched() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1").unwrap();
        assert!(proxies.trusts(ip("10.200.3.4")));
        assert!(proxies.trusts(ip("192.0.2.7")));
        assert!(!proxies.trusts(ip("192.0.2.8")));
        assert!(proxies.trusts(ip("fd12::5")));
        assert!(proxies.trusts(ip("::1")));
        assert!(proxies.trusts(ip("::ffff:10.1.1.1")));
        assert!(!proxies.trusts(ip("2001:db8::1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        for bad in ["10.0.0.0/33", "proxy.example", "::/129", "1.2.3.4/x"] {
            assert_eq!(TrustedProxies::parse(bad), Err(bad.to_string()));
        }
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let hops = ["6.6.6.6, 203.0.113.9", "10.0.0.2"];
        assert_eq!(
            proxies.client(ip("10.0.0.1"), hops.into_iter()),
            ip("203.0.113.9")
        );
        // From anyone else the header is ignored.
        assert_eq!(
            proxies.client(ip("198.51.100.1"), hops.into_iter()),
            ip("198.51.100.1")
        );
        // Garbage stops the walk at the last address that could be read.
        assert_eq!(
            proxies.client(ip("10.0.0.1"), ["203.0.113.9, rubbish"].into_iter()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(
            rate_limit_key("2001:db8:1:2:aaaa::1"),
            rate_limit_key("2001:db8:1:2:bbbb::9")
        );
        assert_ne!(
            rate_limit_key("2001:db8:1:2::1"),
            rate_limit_key("2001:db8:1:3::1")
        );
        assert_eq!(rate_limit_key("192.0.2.1"), "192.0.2.1");
        assert_eq!(rate_limit_key("::ffff:192.0.2.1"), "192.0.2.1");
    }
}
