//! [`Metrics`] in Prometheus' text exposition format (version 0.0.4):
//! `mafalda_` names, base units, `_total` counters, `# HELP` and `# TYPE`
//! before each family.

use crate::metrics::{Metrics, WorkerMetrics};
use std::fmt::Write;

/// The content type a scrape answer carries.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One family: its samples as (labels, value).
struct Family<'a> {
    name: &'a str,
    kind: &'a str,
    help: &'a str,
    samples: Vec<(Vec<(&'a str, String)>, f64)>,
}

impl Metrics {
    /// The metrics as a Prometheus scrape answer.
    pub fn to_prometheus(&self) -> String {
        let per_worker = |name, help, value: fn(&WorkerMetrics) -> f64| Family {
            name,
            kind: "gauge",
            help,
            samples: self
                .workers
                .iter()
                .map(|worker| (vec![("worker", worker.pid.to_string())], value(worker)))
                .collect(),
        };
        let families = [
            Family {
                name: "mafalda_workers",
                kind: "gauge",
                help: "Real mediasoup workers running.",
                samples: vec![(vec![], self.workers.len() as f64)],
            },
            per_worker(
                "mafalda_worker_cpu_ratio",
                "CPU of the real worker's thread, smoothed, as a fraction of one core.",
                |w| w.cpu / 100.0,
            ),
            per_worker("mafalda_worker_routers", "Real routers on the real worker.", |w| {
                w.routers as f64
            }),
            per_worker(
                "mafalda_worker_transports",
                "Transports on the real worker, pipe transports included.",
                |w| w.transports as f64,
            ),
            per_worker(
                "mafalda_worker_producers",
                "Producers on the real worker, pipe producers included.",
                |w| w.producers as f64,
            ),
            per_worker(
                "mafalda_worker_consumers",
                "Consumers on the real worker, pipe consumers included.",
                |w| w.consumers as f64,
            ),
            per_worker(
                "mafalda_worker_pipe_producers",
                "Producers on the real worker piped in from another worker.",
                |w| w.pipe_producers as f64,
            ),
            per_worker(
                "mafalda_worker_pipe_consumers",
                "Consumers on the real worker feeding a pipe to another worker.",
                |w| w.pipe_consumers as f64,
            ),
            per_worker(
                "mafalda_worker_data_producers",
                "Data producers on the real worker, pipe data producers included.",
                |w| w.data_producers as f64,
            ),
            per_worker(
                "mafalda_worker_data_consumers",
                "Data consumers on the real worker, pipe data consumers included.",
                |w| w.data_consumers as f64,
            ),
            Family {
                name: "mafalda_rooms",
                kind: "gauge",
                help: "Open rooms (routers of the application).",
                samples: vec![(vec![], self.rooms as f64)],
            },
            Family {
                name: "mafalda_pipes",
                kind: "gauge",
                help: "Pipes open between real routers, by what they carry.",
                samples: self
                    .pipes
                    .iter()
                    .map(|(kind, n)| (vec![("kind", kind.name().to_string())], *n as f64))
                    .collect(),
            },
            Family {
                name: "mafalda_pipes_opened_total",
                kind: "counter",
                help: "Pipes opened between real routers, by what they carry.",
                samples: self
                    .pipes_opened
                    .iter()
                    .map(|(kind, n)| (vec![("kind", kind.name().to_string())], *n as f64))
                    .collect(),
            },
            Family {
                name: "mafalda_pipes_closed_total",
                kind: "counter",
                help: "Pipes closed between real routers, by what they carried.",
                samples: self
                    .pipes_closed
                    .iter()
                    .map(|(kind, n)| (vec![("kind", kind.name().to_string())], *n as f64))
                    .collect(),
            },
            Family {
                name: "mafalda_placements_total",
                kind: "counter",
                help: "Placement decisions carried out, by what was placed and where it went.",
                samples: self
                    .placements
                    .iter()
                    .map(|(outcome, n)| {
                        (
                            vec![
                                ("placed", outcome.placed().to_string()),
                                ("outcome", outcome.outcome().to_string()),
                            ],
                            *n as f64,
                        )
                    })
                    .collect(),
            },
            Family {
                name: "mafalda_workers_started_total",
                kind: "counter",
                help: "Real mediasoup workers started.",
                samples: vec![(vec![], self.workers_started as f64)],
            },
            Family {
                name: "mafalda_workers_closed_total",
                kind: "counter",
                help: "Real mediasoup workers closed, by reason.",
                samples: self
                    .workers_closed
                    .iter()
                    .map(|(reason, n)| (vec![("reason", reason.name().to_string())], *n as f64))
                    .collect(),
            },
            Family {
                name: "mafalda_errors_total",
                kind: "counter",
                help: "Errors the API returned, by mediasoup error class.",
                samples: self
                    .errors
                    .iter()
                    .map(|(kind, n)| (vec![("class", kind.js_name().to_string())], *n as f64))
                    .collect(),
            },
            Family {
                name: "mafalda_dropped_events_total",
                kind: "counter",
                help: "Packet-rate events (rtp, rtcp, message, trace) dropped because the application fell behind.",
                samples: vec![(vec![], self.dropped_events as f64)],
            },
        ];
        let mut text = String::new();
        for family in &families {
            let _ = writeln!(text, "# HELP {} {}", family.name, family.help);
            let _ = writeln!(text, "# TYPE {} {}", family.name, family.kind);
            for (labels, value) in &family.samples {
                text.push_str(family.name);
                if !labels.is_empty() {
                    text.push('{');
                    for (index, (name, value)) in labels.iter().enumerate() {
                        if index > 0 {
                            text.push(',');
                        }
                        let _ = write!(text, "{name}=\"{}\"", escape(value));
                    }
                    text.push('}');
                }
                let _ = writeln!(text, " {}", number(*value));
            }
        }
        text
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as the format spells it.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::metrics::{PipeKind, PlacementOutcome};

    fn sample() -> Metrics {
        Metrics {
            workers: vec![WorkerMetrics {
                pid: 42,
                cpu: 12.5,
                routers: 1,
                transports: 3,
                producers: 2,
                consumers: 4,
                pipe_producers: 1,
                pipe_consumers: 1,
                data_producers: 0,
                data_consumers: 0,
            }],
            rooms: 1,
            pipes: vec![(PipeKind::Media, 1), (PipeKind::Data, 0)],
            workers_started: 2,
            placements: vec![(PlacementOutcome::RoomGrown, 3)],
            errors: vec![(ErrorKind::InvalidState, 5)],
            ..Metrics::default()
        }
    }

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let text = sample().to_prometheus();
        let mut declared = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared = rest.split(' ').next().map(str::to_string);
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(declared.as_deref(), Some(name), "{line}");
            }
        }
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn samples_carry_their_labels_and_values() {
        let text = sample().to_prometheus();
        for line in [
            "mafalda_workers 1",
            "mafalda_worker_cpu_ratio{worker=\"42\"} 0.125",
            "mafalda_worker_pipe_producers{worker=\"42\"} 1",
            "mafalda_pipes{kind=\"media\"} 1",
            "mafalda_placements_total{placed=\"transport\",outcome=\"grown\"} 3",
            "mafalda_workers_started_total 2",
            "mafalda_errors_total{class=\"InvalidStateError\"} 5",
            "# TYPE mafalda_pipes_opened_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(3.0), "3");
    }
}
