//! Writers for each log format, in the layouts the real products emit.

use std::fmt::Write;

/// One request of the traffic model, independent of format.
pub struct Record {
    pub time_ms: i64,
    pub src_ip: String,
    pub user: Option<String>,
    pub method: &'static str,
    pub host: String,
    /// Path with query; empty for CONNECT.
    pub path: String,
    pub ua: String,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub status: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Squid,
    SquidCommon,
    SquidCombined,
    SquidExtensive,
    Proxysg,
    W3c,
    Wsa,
    ZscalerJson,
    ZscalerKv,
    SumoJson,
    EcsJson,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Squid,
        Format::SquidCommon,
        Format::SquidCombined,
        Format::SquidExtensive,
        Format::Proxysg,
        Format::W3c,
        Format::Wsa,
        Format::ZscalerJson,
        Format::ZscalerKv,
        Format::SumoJson,
        Format::EcsJson,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Squid => "squid",
            Format::SquidCommon => "squid-common",
            Format::SquidCombined => "squid-combined",
            Format::SquidExtensive => "squid-extensive",
            Format::Proxysg => "proxysg",
            Format::W3c => "w3c",
            Format::Wsa => "wsa",
            Format::ZscalerJson => "zscaler-json",
            Format::ZscalerKv => "zscaler-kv",
            Format::SumoJson => "sumo-json",
            Format::EcsJson => "ecs-json",
        }
    }

    /// Lines written before the first record (W3C directives).
    pub fn header(self) -> String {
        match self {
            Format::Proxysg => "#Software: SGOS 7.3.16.2\n#Version: 1.0\n#Date: 2023-12-03 00:00:00\n#Fields: date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id\n".into(),
            Format::W3c => "#Software: AsyncOS for Web 15.0.0\n#Version: 1.0\n#Date: 2023-12-03 00:00:00\n#Fields: timestamp x-elapsed-time c-ip x-resultcode-httpstatus sc-bytes cs-method cs-url cs-username x-hierarchy-origin cs-mime-type x-acltag cs(User-Agent) cs-bytes\n".into(),
            _ => String::new(),
        }
    }

    pub fn write(self, r: &Record, out: &mut String) {
        let secs = r.time_ms.div_euclid(1000);
        let millis = r.time_ms.rem_euclid(1000);
        let user = r.user.as_deref().unwrap_or("-");
        let connect = r.method == "CONNECT";
        let url = if connect { format!("{}:443", r.host) } else { format!("https://{}{}", r.host, r.path) };
        let mime = if r.host.contains("api") || r.path.starts_with("/v1") { "application/json" } else { "text/html" };
        let (path, query) = match r.path.split_once('?') {
            Some((p, q)) => (p, q),
            None => (r.path.as_str(), "-"),
        };
        let path = if path.is_empty() { "-" } else { path };
        let _ = match self {
            Format::Squid => write!(
                out,
                "{secs}.{millis:03} {:>6} {} {}/{} {} {} {} {} HIER_DIRECT/{} {}",
                30 + r.bytes_down % 900,
                r.src_ip,
                if connect { "TCP_TUNNEL" } else { "TCP_MISS" },
                r.status,
                r.bytes_down,
                r.method,
                url,
                user,
                "203.0.113.80",
                if connect { "-" } else { mime }
            ),
            Format::SquidCommon | Format::SquidCombined => {
                let _ = write!(out, "{} - {} [{}] \"{} {} HTTP/1.1\" {} {}", r.src_ip, user, clf(secs), r.method, url, r.status, r.bytes_down);
                if self == Format::SquidCombined {
                    let _ = write!(out, " \"-\" \"{}\"", r.ua);
                }
                write!(out, " {}:HIER_DIRECT", if connect { "TCP_TUNNEL" } else { "TCP_MISS" })
            }
            Format::SquidExtensive => write!(
                out,
                "{secs}.{millis:03} {} {} {} {}/{} {} {} 320 {} {} {} {} HTTP/1.1 {} HIER_DIRECT/203.0.113.80 443 {} - - \"-\" \"{}\" \"{}\" \"-\" \"{}\" {} -",
                30 + r.bytes_down % 900,
                r.src_ip,
                40000 + r.bytes_up % 20000,
                if connect { "TCP_TUNNEL" } else { "TCP_MISS" },
                r.status,
                r.bytes_down,
                r.bytes_up,
                r.bytes_up.saturating_sub(250),
                r.bytes_down.saturating_sub(320),
                r.method,
                url,
                user,
                if connect { "-" } else { mime },
                r.ua,
                r.host,
                r.host,
                20 + r.bytes_down % 700
            ),
            Format::Proxysg => {
                let (d, t) = date_time(secs);
                write!(
                    out,
                    "{d} {t} {} {} {} - - OBSERVED \"Technology/Internet\" - {} {} {} {} {} {} {} {} {} - \"{}\" 192.0.2.10 {} {} -",
                    30 + r.bytes_down % 900,
                    r.src_ip,
                    user,
                    r.status,
                    if connect { "TCP_TUNNELED" } else { "TCP_NC_MISS" },
                    r.method,
                    if connect { "-" } else { mime },
                    if connect { "tcp" } else { "https" },
                    r.host,
                    443,
                    if connect { "/" } else { path },
                    if query == "-" { "-".to_string() } else { format!("?{query}") },
                    r.ua,
                    r.bytes_down,
                    r.bytes_up
                )
            }
            Format::W3c => write!(
                out,
                "{secs}.{millis:03} {} {} {}/{} {} {} {} {} DIRECT/{} {} DEFAULT_CASE_12-DefaultGroup-DefaultGroup-NONE-NONE-NONE-DefaultGroup \"{}\" {}",
                30 + r.bytes_down % 900,
                r.src_ip,
                if connect { "TCP_MISS" } else { "TCP_MISS" },
                r.status,
                r.bytes_down,
                r.method,
                if connect { format!("tunnel://{}:443/", r.host) } else { url.clone() },
                user,
                r.host,
                if connect { "-" } else { mime },
                r.ua,
                r.bytes_up
            ),
            Format::Wsa => write!(
                out,
                "{secs}.{millis:03} {} {} {}/{} {} {} {} {} DIRECT/{} {} DEFAULT_CASE_12-DefaultGroup-DefaultGroup-NONE-NONE-NONE-DefaultGroup <IW_comp,7.5,0,\"-\",0,0,0,1,\"-\",-,-,-,\"-\",1,-,\"-\",\"-\",-,-,IW_comp,-,\"-\",\"-\",\"Unknown\",\"Unknown\",\"-\",\"-\",50.37,0,-,\"-\",\"-\",-,\"-\",-,-,\"-\",\"-\",-,-,\"-\"> -",
                30 + r.bytes_down % 900,
                r.src_ip,
                "TCP_MISS",
                r.status,
                r.bytes_down,
                r.method,
                if connect { format!("tunnel://{}:443/", r.host) } else { url.clone() },
                user,
                r.host,
                if connect { "-" } else { mime }
            ),
            Format::ZscalerJson => {
                let (d, t) = date_time(secs);
                write!(
                    out,
                    r#"{{"sourcetype":"zscalernss-web","event":{{"datetime":"{d} {t}","reason":"Allowed","event_id":"{}","protocol":"HTTPS","action":"Allowed","transactionsize":"{}","responsesize":"{}","requestsize":"{}","urlcategory":"{}","serverip":"203.0.113.80","requestmethod":"{}","refererURL":"None","useragent":"{}","product":"NSS","location":"HQ","ClientIP":"{}","status":"{}","user":"{}","url":"{}{}","vendor":"Zscaler","hostname":"{}","clientpublicIP":"198.51.100.7","threatname":"None","filetype":"None","department":"Engineering","contenttype":"{}","devicehostname":"LAPTOP-{:04}"}}}}"#,
                    r.time_ms,
                    r.bytes_up + r.bytes_down,
                    r.bytes_down,
                    r.bytes_up,
                    if r.host.contains("api") { "AI and ML Applications" } else { "Professional Services" },
                    r.method,
                    json_escape(&r.ua),
                    r.src_ip,
                    r.status,
                    r.user.as_deref().map(|u| format!("{u}@corp.example")).unwrap_or_else(|| "None".into()),
                    r.host,
                    if connect { "" } else { &r.path },
                    r.host,
                    mime,
                    r.bytes_down % 10_000
                )
            }
            Format::ZscalerKv => write!(
                out,
                "ZSCALERNSS: time={}^^tz=GMT^^login={}^^cip={}^^requestmethod={}^^hostname={}^^url={}{}^^useragent={}^^requestsize={}^^responsesize={}^^status={}^^action=Allowed^^urlcategory=Professional Services",
                zscaler_time(secs),
                r.user.as_deref().map(|u| format!("{u}@corp.example")).unwrap_or_else(|| "None".into()),
                r.src_ip,
                r.method,
                r.host,
                r.host,
                if connect { "" } else { &r.path },
                r.ua,
                r.bytes_up,
                r.bytes_down,
                r.status
            ),
            Format::SumoJson => write!(
                out,
                r#"{{"_messageTime":{},"_sourceCategory":"network/proxy","src_ip":"{}","user":{},"dest_host":"{}","http_method":"{}","uri_path":{},"http_user_agent":"{}","bytes_out":{},"bytes_in":{},"status_code":{}}}"#,
                r.time_ms,
                r.src_ip,
                r.user.as_deref().map(|u| format!("\"{u}\"")).unwrap_or_else(|| "null".into()),
                if connect { format!("{}:443", r.host) } else { r.host.clone() },
                r.method,
                if connect { "null".to_string() } else { format!("\"{}\"", r.path) },
                json_escape(&r.ua),
                r.bytes_up,
                r.bytes_down,
                r.status
            ),
            Format::EcsJson => {
                let (d, t) = date_time(secs);
                write!(
                    out,
                    r#"{{"@timestamp":"{d}T{t}.{millis:03}Z","event":{{"kind":"event","category":["network","web"],"dataset":"squid.access"}},"source":{{"ip":"{}","bytes":{}}},"user":{{"name":{}}},"http":{{"request":{{"method":"{}","bytes":{}}},"response":{{"status_code":{},"bytes":{}}}}},"url":{{"domain":"{}","path":{}}},"user_agent":{{"original":"{}"}}}}"#,
                    r.src_ip,
                    r.bytes_up,
                    r.user.as_deref().map(|u| format!("\"{u}\"")).unwrap_or_else(|| "null".into()),
                    r.method,
                    r.bytes_up,
                    r.status,
                    r.bytes_down,
                    r.host,
                    if connect { "null".to_string() } else { format!("\"{path}\"") },
                    json_escape(&r.ua)
                )
            }
        };
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| format!("unknown format {s:?}"))
    }
}

fn json_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

fn hms(secs: i64) -> (i64, i64, i64) {
    let s = secs.rem_euclid(86_400);
    (s / 3600, s / 60 % 60, s % 60)
}

fn date_time(secs: i64) -> (String, String) {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let (hh, mm, ss) = hms(secs);
    (format!("{y:04}-{m:02}-{d:02}"), format!("{hh:02}:{mm:02}:{ss:02}"))
}

fn clf(secs: i64) -> String {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let (hh, mm, ss) = hms(secs);
    format!("{d:02}/{}/{y:04}:{hh:02}:{mm:02}:{ss:02} +0000", MONTHS[m as usize - 1])
}

fn zscaler_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil(days);
    let (hh, mm, ss) = hms(secs);
    format!("{} {} {d:02} {hh:02}:{mm:02}:{ss:02} {y:04}", WEEKDAYS[days.rem_euclid(7) as usize], MONTHS[m as usize - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar() {
        assert_eq!(date_time(1_701_597_601), ("2023-12-03".to_string(), "10:00:01".to_string()));
        assert_eq!(clf(971_211_336), "10/Oct/2000:20:55:36 +0000");
        assert_eq!(zscaler_time(1_640_934_427), "Fri Dec 31 07:07:07 2021");
    }
}
