//! Pipeline metrics in the Prometheus text format (`GET /metrics`).
//!
//! A handful of fixed counters and one histogram, kept as atomics: no label set is open-ended
//! (verdicts, reject reasons and finding kinds are closed enums), so a registry crate would add
//! a dependency without adding safety. Labels never carry values from posts.

use doxwatch_model::{Kind, Verdict};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const VERDICTS: [Verdict; 5] = [
    Verdict::Doxxing,
    Verdict::DataSaleAd,
    Verdict::LeakRepost,
    Verdict::PiiExposure,
    Verdict::None,
];
const REJECTS: [&str; 4] = ["bad_utf8", "bad_json", "missing_field", "too_large"];
/// Upper bounds of the batch latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

/// Consumer lag of this process' Kafka source(s), summed (a gauge; 0 without Kafka).
static CONSUMER_LAG: AtomicU64 = AtomicU64::new(0);

pub fn set_consumer_lag(lag: u64) {
    CONSUMER_LAG.store(lag, Relaxed);
}

#[derive(Default)]
pub struct Metrics {
    pub records_in: AtomicU64,
    pub posts: AtomicU64,
    verdicts: [AtomicU64; VERDICTS.len()],
    alerts: [AtomicU64; VERDICTS.len()],
    rejected: [AtomicU64; REJECTS.len()],
    findings: [AtomicU64; Kind::ALL.len()],
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
    pub batches_acked: AtomicU64,
}

fn vi(v: Verdict) -> usize {
    VERDICTS.iter().position(|&x| x == v).unwrap_or(4)
}

/// Verdict and finding counts of one batch, kept by the matching thread and added to
/// [`Metrics`] once per batch: counting every post on the shared atomics made the workers
/// bounce the counters' cache lines between cores.
#[derive(Default)]
pub struct Tally {
    verdicts: [u64; VERDICTS.len()],
    findings: [u64; Kind::ALL.len()],
}

impl Tally {
    pub fn verdict(&mut self, v: Verdict) {
        self.verdicts[vi(v)] += 1;
    }

    pub fn finding(&mut self, k: Kind) {
        if let Some(i) = Kind::ALL.iter().position(|&x| x == k) {
            self.findings[i] += 1;
        }
    }
}

impl Metrics {
    /// Adds a batch's verdict and finding counts.
    pub fn add(&self, t: &Tally) {
        let counters = self.verdicts.iter().zip(&t.verdicts);
        for (counter, &n) in counters.chain(self.findings.iter().zip(&t.findings)) {
            if n > 0 {
                counter.fetch_add(n, Relaxed);
            }
        }
    }

    pub fn alert(&self, v: Verdict) {
        self.alerts[vi(v)].fetch_add(1, Relaxed);
    }

    pub fn rejected(&self, reason: &str) {
        if let Some(i) = REJECTS.iter().position(|&r| r == reason) {
            self.rejected[i].fetch_add(1, Relaxed);
        }
    }

    /// Time from a batch being read to its alerts being written.
    pub fn latency(&self, secs: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.latency_buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_us.fetch_add((secs * 1e6) as u64, Relaxed);
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        let g = |a: &AtomicU64| a.load(Relaxed);
        let _ = writeln!(s, "# HELP doxwatch_records_in_total Records read by sources.\n# TYPE doxwatch_records_in_total counter\ndoxwatch_records_in_total {}", g(&self.records_in));
        let _ = writeln!(s, "# HELP doxwatch_posts_total Posts matched.\n# TYPE doxwatch_posts_total counter\ndoxwatch_posts_total {}", g(&self.posts));
        let _ = writeln!(s, "# HELP doxwatch_posts_by_verdict_total Posts by verdict.\n# TYPE doxwatch_posts_by_verdict_total counter");
        for (i, v) in VERDICTS.iter().enumerate() {
            let _ = writeln!(
                s,
                "doxwatch_posts_by_verdict_total{{verdict=\"{}\"}} {}",
                v.as_str(),
                g(&self.verdicts[i])
            );
        }
        let _ = writeln!(s, "# HELP doxwatch_alerts_total Alerts written, by verdict.\n# TYPE doxwatch_alerts_total counter");
        for (i, v) in VERDICTS.iter().enumerate().take(3) {
            let _ = writeln!(
                s,
                "doxwatch_alerts_total{{verdict=\"{}\"}} {}",
                v.as_str(),
                g(&self.alerts[i])
            );
        }
        let _ = writeln!(s, "# HELP doxwatch_rejected_total Records parked instead of matched, by reason.\n# TYPE doxwatch_rejected_total counter");
        for (i, r) in REJECTS.iter().enumerate() {
            let _ = writeln!(
                s,
                "doxwatch_rejected_total{{reason=\"{r}\"}} {}",
                g(&self.rejected[i])
            );
        }
        let _ = writeln!(s, "# HELP doxwatch_findings_total Findings, by detector kind.\n# TYPE doxwatch_findings_total counter");
        for (i, k) in Kind::ALL.iter().enumerate() {
            let _ = writeln!(
                s,
                "doxwatch_findings_total{{kind=\"{}\"}} {}",
                k.as_str(),
                g(&self.findings[i])
            );
        }
        let _ = writeln!(s, "# HELP doxwatch_batch_latency_seconds From read to alerts written.\n# TYPE doxwatch_batch_latency_seconds histogram");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "doxwatch_batch_latency_seconds_bucket{{le=\"{b}\"}} {}",
                g(&self.latency_buckets[i])
            );
        }
        let _ = writeln!(
            s,
            "doxwatch_batch_latency_seconds_bucket{{le=\"+Inf\"}} {}",
            g(&self.latency_count)
        );
        let _ = writeln!(
            s,
            "doxwatch_batch_latency_seconds_sum {}",
            g(&self.latency_sum_us) as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "doxwatch_batch_latency_seconds_count {}",
            g(&self.latency_count)
        );
        let _ = writeln!(s, "# HELP doxwatch_consumer_lag Records not yet consumed on the assigned partitions (high watermark minus position).\n# TYPE doxwatch_consumer_lag gauge\ndoxwatch_consumer_lag {}", CONSUMER_LAG.load(Relaxed));
        let _ = writeln!(s, "# HELP doxwatch_batches_acked_total Batches whose alerts every sink wrote.\n# TYPE doxwatch_batches_acked_total counter\ndoxwatch_batches_acked_total {}", g(&self.batches_acked));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        let mut t = Tally::default();
        t.verdict(Verdict::Doxxing);
        t.finding(Kind::Phone);
        m.add(&t);
        m.alert(Verdict::Doxxing);
        m.rejected("bad_json");
        m.latency(0.02);
        let t = m.render();
        assert!(t.contains("doxwatch_alerts_total{verdict=\"doxxing\"} 1"));
        assert!(t.contains("doxwatch_rejected_total{reason=\"bad_json\"} 1"));
        assert!(t.contains("doxwatch_findings_total{kind=\"phone\"} 1"));
        assert!(t.contains("doxwatch_posts_by_verdict_total{verdict=\"doxxing\"} 1"));
        assert!(t.contains("doxwatch_posts_by_verdict_total{verdict=\"none\"} 0"));
        assert!(t.contains("doxwatch_batch_latency_seconds_bucket{le=\"0.025\"} 1"));
        assert!(t.contains("doxwatch_batch_latency_seconds_bucket{le=\"0.01\"} 0"));
        assert!(t.contains("doxwatch_batch_latency_seconds_count 1"));
    }
}
