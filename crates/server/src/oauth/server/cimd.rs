//! Client ID Metadata Documents: a client whose id is an HTTPS URL publishes its metadata at
//! that URL, and callbrief reads it instead of asking the client to register (the MCP
//! authorization spec's preferred way).
//!
//! Fetching a URL a stranger chose is a way into the server's network, so the fetch is narrow:
//! HTTPS only, on the default port, to a host whose every address is public (no loopback,
//! private, link-local, shared or otherwise reserved ranges); the connection goes to the
//! address that was checked (no second lookup a DNS answer could change); no redirects; at most
//! [`MAX_DOCUMENT_BYTES`] within [`FETCH_TIMEOUT`]. A document must name itself as `client_id`,
//! list valid redirect URIs and be a public client (PKCE is its proof). Good documents are kept
//! [`CACHE_TTL`]; refusals for [`REFUSAL_TTL`]; one client address may cause at most
//! [`FETCHES_PER_MINUTE`] fetches a minute.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::clients::{
    check_redirect_uri, AuthMethod, ClientMetadata, MAX_CLIENT_NAME_CHARS, MAX_REDIRECT_URIS,
};

/// Largest metadata document read, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;
/// Time limit of one fetch, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a fetched document is trusted.
pub const CACHE_TTL: Duration = Duration::from_secs(10 * 60);
/// Most documents cached.
const MAX_CACHED: usize = 1_000;
/// Longest client id URL accepted.
const MAX_URL_CHARS: usize = 512;

/// Whether `client_id` is a metadata document URL rather than an id this server signed.
pub fn is_document_url(client_id: &str) -> bool {
    client_id.starts_with("https://") || client_id.starts_with("http://")
}

/// Whether `ip` is an address on the public internet: not loopback, private, link-local,
/// shared (CGNAT), documentation, benchmarking, multicast, broadcast or unspecified, and for
/// IPv6 not unique-local, link-local, or an IPv4 address in disguise that is one of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            // Other IPv6 forms that carry an IPv4 address reach it by translation or tunnel,
            // past any check of the IPv6 address: compatible ::a.b.c.d (and all of ::/96),
            // translated ::ffff:0:a.b.c.d, 6to4 2002::/16 and Teredo 2001::/32. No metadata
            // document host needs them.
            let embeds_v4 = seg[..6] == [0; 6]
                || (seg[..4] == [0; 4] && seg[4] == 0xffff && seg[5] == 0)
                || seg[0] == 0x2002
                || (seg[0] == 0x2001 && seg[1] == 0);
            if embeds_v4 {
                return false;
            }
            let first = seg[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b // NAT64 to any IPv4
                || v6 == Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1))
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_broadcast()
        || v4.is_documentation()
        || v4.is_unspecified()
        || v4.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b))) // benchmarking 198.18/15
}

/// Why a document URL or document was refused.
pub type Refusal = String;

/// Checks the URL itself: HTTPS, a host name or public address, the default port, a path,
/// no credentials, query or fragment.
pub fn check_url(client_id: &str) -> Result<Url, Refusal> {
    if client_id.chars().count() > MAX_URL_CHARS {
        return Err("the client id URL is too long".into());
    }
    let url = Url::parse(client_id).map_err(|_| "the client id is not a URL".to_owned())?;
    if url.scheme() != "https" {
        return Err("a client id URL must use https".into());
    }
    if url.port().is_some() {
        return Err("a client id URL must use the default https port".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a client id URL may not carry credentials".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a client id URL may not have a query or fragment".into());
    }
    if url.path() == "/" || url.path().is_empty() {
        return Err("a client id URL must have a path".into());
    }
    match url.host() {
        Some(url::Host::Domain(_)) => {}
        Some(url::Host::Ipv4(ip)) if is_public(IpAddr::V4(ip)) => {}
        Some(url::Host::Ipv6(ip)) if is_public(IpAddr::V6(ip)) => {}
        _ => return Err("a client id URL must name a public host".into()),
    }
    Ok(url)
}

#[derive(Deserialize)]
struct Document {
    client_id: String,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
}

/// Checks a fetched document for the client id `client_id`.
pub fn check_document(client_id: &str, body: &[u8]) -> Result<ClientMetadata, Refusal> {
    let doc: Document = serde_json::from_slice(body).map_err(|_| {
        "the client metadata document is not a JSON object of client metadata".to_owned()
    })?;
    if doc.client_id != client_id {
        return Err("the client metadata document names another client_id".into());
    }
    if doc.redirect_uris.is_empty() || doc.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(format!(
            "the client metadata document must list 1 to {MAX_REDIRECT_URIS} redirect_uris"
        ));
    }
    for uri in &doc.redirect_uris {
        check_redirect_uri(uri).map_err(|e| e.description)?;
    }
    if !matches!(
        doc.token_endpoint_auth_method.as_deref(),
        None | Some("none")
    ) {
        return Err("a client identified by a metadata document must be public (token_endpoint_auth_method none)".into());
    }
    let name = doc.client_name.unwrap_or_else(|| client_id.to_owned());
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && !super::clients::is_format(*c))
        .take(MAX_CLIENT_NAME_CHARS)
        .collect();
    Ok(ClientMetadata {
        name,
        redirect_uris: doc.redirect_uris,
        auth_method: AuthMethod::None,
        salt: String::new(),
        pkce_optional: false,
        admin: false,
    })
}

/// How long a refused document (or URL) is remembered: a client id that failed is not fetched
/// again for every request that names it.
pub const REFUSAL_TTL: Duration = Duration::from_secs(60);
/// Most refusals remembered.
const MAX_REFUSALS: u64 = 10_000;
/// Most document fetches one client address may cause a minute: a person signing in causes
/// one, a script naming fresh URLs is held back before callbrief becomes its fetcher.
pub const FETCHES_PER_MINUTE: u32 = 10;

/// Fetches and caches metadata documents, remembers refusals briefly, and limits fetches per
/// client address.
pub struct DocumentCache {
    documents: moka::sync::Cache<String, ClientMetadata>,
    refusals: moka::sync::Cache<String, Refusal>,
    fetches: crate::oauth::limits::PerAddress,
}

impl Default for DocumentCache {
    fn default() -> Self {
        Self {
            documents: moka::sync::Cache::builder()
                .max_capacity(MAX_CACHED as u64)
                .time_to_live(CACHE_TTL)
                .build(),
            refusals: moka::sync::Cache::builder()
                .max_capacity(MAX_REFUSALS)
                .time_to_live(REFUSAL_TTL)
                .build(),
            fetches: crate::oauth::limits::PerAddress::per_minute(FETCHES_PER_MINUTE),
        }
    }
}

impl std::fmt::Debug for DocumentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentCache(..)")
    }
}

impl DocumentCache {
    /// The metadata of the client `client_id` (a document URL): cached, refused recently, or
    /// fetched and checked, on behalf of a request from `from`.
    pub async fn resolve(
        &self,
        client_id: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<ClientMetadata, Refusal> {
        if let Some(meta) = self.documents.get(client_id) {
            return Ok(meta);
        }
        if let Some(refusal) = self.refusals.get(client_id) {
            return Err(refusal);
        }
        if let Some(ip) = from {
            if self.fetches.try_acquire(ip).is_err() {
                return Err(
                    "too many client metadata documents asked for from this address; retry in a minute"
                        .into(),
                );
            }
        }
        match fetch_and_check(client_id).await {
            Ok(meta) => {
                self.documents.insert(client_id.to_owned(), meta.clone());
                Ok(meta)
            }
            Err(refusal) => {
                self.refusals.insert(client_id.to_owned(), refusal.clone());
                Err(refusal)
            }
        }
    }
}

/// Checks `client_id`'s URL and host, fetches its document and checks it.
async fn fetch_and_check(client_id: &str) -> Result<ClientMetadata, Refusal> {
    let url = check_url(client_id)?;
    let host = url
        .host_str()
        .ok_or("a client id URL must name a host")?
        .to_owned();
    let addrs: Vec<SocketAddr> = tokio::time::timeout(
        FETCH_TIMEOUT,
        tokio::net::lookup_host((host.trim_matches(['[', ']']), 443)),
    )
    .await
    .map_err(|_| "the client id host did not resolve in time".to_owned())?
    .map_err(|_| "the client id host does not resolve".to_owned())?
    .collect();
    if addrs.is_empty() || !addrs.iter().all(|a| is_public(a.ip())) {
        return Err("the client id host has a non-public address".into());
    }
    let body = fetch(&url, &host, addrs[0]).await?;
    check_document(client_id, &body)
}

/// GETs `url`, connecting only to `addr` (checked public), within the size and time limits.
async fn fetch(url: &Url, host: &str, addr: SocketAddr) -> Result<Vec<u8>, Refusal> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("callbrief/", env!("CARGO_PKG_VERSION")))
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .resolve(host, addr)
        .https_only(true)
        .build()
        .map_err(|_| "the metadata document could not be fetched".to_owned())?;
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|_| "the metadata document could not be fetched".to_owned())?;
    if !response.status().is_success() {
        return Err(format!(
            "the metadata document answered {}",
            response.status().as_u16()
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| "the metadata document could not be read".to_owned())?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(format!(
                "the metadata document is over {MAX_DOCUMENT_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_that_carry_an_ipv4_address_or_reach_private_space_are_not_public() {
        for ip in [
            "::10.0.0.1",        // IPv4-compatible
            "::7f00:1",          // the same for 127.0.0.1
            "::8.8.8.8",         // compatible, even to a public address
            "::ffff:0:10.0.0.1", // IPv4-translated
            "::ffff:0:127.0.0.1",
            "2002:7f00:1::1",                       // 6to4 of 127.0.0.1
            "2002:808:808::1",                      // 6to4 of a public address
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
            "fc00::1",                              // unique local
            "fdff:ffff::1",
            "fec0::1", // site-local
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(check_url("https://[::ffff:0:7f00:1]/client.json").is_err());
        assert!(check_url("https://[2002:7f00:1::1]/client.json").is_err());
        assert!(is_public("2001:4860:4860::8888".parse().unwrap()));
        assert!(is_public("::ffff:8.8.8.8".parse().unwrap()));
    }

    #[tokio::test]
    async fn refusals_are_remembered_and_fetches_are_limited_per_address() {
        let cache = DocumentCache::default();
        let from = Some(IpAddr::from([203, 0, 113, 1]));
        for i in 0..FETCHES_PER_MINUTE {
            let refused = cache
                .resolve(&format!("http://c{i}.example/client.json"), from)
                .await
                .unwrap_err();
            assert!(refused.contains("https"), "{refused}");
        }
        let held_back = cache
            .resolve("https://fresh.example/client.json", from)
            .await
            .unwrap_err();
        assert!(held_back.contains("too many"), "{held_back}");
        // A refusal remembered costs no fetch, so it is answered as before.
        let remembered = cache
            .resolve("http://c0.example/client.json", from)
            .await
            .unwrap_err();
        assert!(remembered.contains("https"), "{remembered}");
        // Another address has its own allowance.
        let other = cache
            .resolve(
                "http://c0.example/other.json",
                Some(IpAddr::from([203, 0, 113, 2])),
            )
            .await
            .unwrap_err();
        assert!(!other.contains("too many"), "{other}");
    }

    #[test]
    fn only_plain_https_urls_with_a_path_on_public_hosts_pass() {
        for bad in [
            "http://client.example/meta.json",
            "https://client.example",
            "https://client.example/",
            "https://client.example:8443/meta.json",
            "https://user:pw@client.example/meta.json",
            "https://client.example/meta.json?x=1",
            "https://client.example/meta.json#f",
            "https://127.0.0.1/meta.json",
            "https://10.0.0.5/meta.json",
            "https://[::1]/meta.json",
            "https://169.254.169.254/latest/meta-data",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url("https://client.example/oauth/meta.json").is_ok());
    }

    #[test]
    fn documents_must_name_themselves_and_be_public_clients() {
        let id = "https://client.example/meta.json";
        let good = format!(
            r#"{{"client_id":"{id}","client_name":"App","redirect_uris":["https://client.example/cb"]}}"#
        );
        let meta = check_document(id, good.as_bytes()).unwrap();
        assert_eq!(meta.redirect_uris, ["https://client.example/cb"]);
        assert_eq!(meta.auth_method, AuthMethod::None);
        for bad in [
            r#"{"client_id":"https://other.example/meta.json","redirect_uris":["https://client.example/cb"]}"#.to_owned(),
            format!(r#"{{"client_id":"{id}","redirect_uris":[]}}"#),
            format!(r#"{{"client_id":"{id}","redirect_uris":["http://evil.example/cb"]}}"#),
            format!(r#"{{"client_id":"{id}","redirect_uris":["https://client.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}}"#),
            "[]".to_owned(),
        ] {
            assert!(check_document(id, bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_host_that_resolves_to_loopback_is_refused_before_any_request() {
        let cache = DocumentCache::default();
        let err = cache
            .resolve("https://localhost/meta.json", None)
            .await
            .unwrap_err();
        assert!(err.contains("non-public"), "{err}");
    }
}
