//! Server metrics in the Prometheus text format: requests per route template and status
//! class, one latency histogram per route template. Route templates are a closed set (the
//! router's), so the label set stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

const BUCKETS: [f64; 9] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

#[derive(Default)]
struct Route {
    by_class: [u64; 5],
    buckets: [u64; 9],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct HttpMetrics {
    routes: Mutex<BTreeMap<String, Route>>,
}

impl HttpMetrics {
    pub fn observe(&self, route: &str, status: u16, secs: f64) {
        let Ok(mut m) = self.routes.lock() else {
            return;
        };
        let r = match m.get_mut(route) {
            Some(r) => r,
            None => m.entry(route.to_string()).or_default(),
        };
        r.by_class[(status / 100).clamp(1, 5) as usize - 1] += 1;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                r.buckets[i] += 1;
            }
        }
        r.count += 1;
        r.sum += secs;
    }

    /// The metrics text, with the store gauges appended by the caller.
    pub fn render(&self, out: &mut String) {
        let Ok(m) = self.routes.lock() else {
            return;
        };
        out.push_str(
            "# HELP doxwatch_http_requests_total HTTP requests by route and status class.\n",
        );
        out.push_str("# TYPE doxwatch_http_requests_total counter\n");
        for (route, r) in m.iter() {
            for (i, n) in r.by_class.iter().enumerate() {
                if *n > 0 {
                    let _ = writeln!(
                        out,
                        "doxwatch_http_requests_total{{route=\"{route}\",status=\"{}xx\"}} {n}",
                        i + 1
                    );
                }
            }
        }
        out.push_str("# HELP doxwatch_http_request_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE doxwatch_http_request_seconds histogram\n");
        for (route, r) in m.iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "doxwatch_http_request_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    r.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "doxwatch_http_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                r.count
            );
            let _ = writeln!(
                out,
                "doxwatch_http_request_seconds_sum{{route=\"{route}\"}} {}",
                r.sum
            );
            let _ = writeln!(
                out,
                "doxwatch_http_request_seconds_count{{route=\"{route}\"}} {}",
                r.count
            );
        }
    }
}
