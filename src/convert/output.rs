//! mediasoup-rust / core values → the shapes mediasoup-node gives its users.

use mafalda_core::mediasoup::consumer::{ConsumerLayers, ConsumerScore, ConsumerType};
use mafalda_core::mediasoup::producer::{ProducerScore, ProducerType};
use mafalda_core::mediasoup::types::data_structures::{
    DtlsFingerprint, DtlsParameters, DtlsRole, DtlsState, IceCandidate, IceParameters, IceRole, IceState,
    SctpState, TransportTuple,
};
use mafalda_core::mediasoup::types::rtp_parameters::{MediaKind, RtpParameters};
use mafalda_core::mediasoup::types::sctp_parameters::SctpParameters;
use mafalda_core::{
    Connected, ConsumerInfo, DataConsumerInfo, DataProducerInfo, Event, ProducerInfo, TransportData,
    TransportInfo, TransportStats,
};
use serde::Serialize;
use serde_json::{json, Value};

/// Serialises a value that is known to serialise.
pub fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// A tuple with mediasoup-node's legacy `localIp` beside `localAddress`.
pub fn tuple(tuple: &TransportTuple) -> Value {
    let mut value = to_value(tuple);
    value["localIp"] = Value::String(tuple.local_address().clone());
    value
}

/// A dump as mediasoup-node gives it (see [`as_mediasoup_node`]).
pub fn dump<T: Serialize>(dump: &T) -> Value {
    as_mediasoup_node(to_value(dump))
}

/// Stats as mediasoup-node gives them: each entry with the `type`
/// mediasoup-rust leaves out (see [`as_mediasoup_node`]).
pub fn stats<T: Serialize>(stats: &[T], type_of: impl Fn(&T) -> &'static str) -> Value {
    let entries = stats
        .iter()
        .map(|stat| {
            let mut value = to_value(stat);
            if let Some(object) = value.as_object_mut() {
                object.insert("type".into(), type_of(stat).into());
            }
            value
        })
        .collect();
    as_mediasoup_node(Value::Array(entries))
}

/// `getStats()` of a transport, whatever its kind.
pub fn transport_stats(stats: &TransportStats) -> Value {
    match stats {
        TransportStats::WebRtc(stats) => self::stats(stats, |_| "webrtc-transport"),
        TransportStats::Plain(stats) => self::stats(stats, |_| "plain-rtp-transport"),
        TransportStats::Direct(stats) => self::stats(stats, |_| "direct-transport"),
        TransportStats::Pipe(stats) => self::stats(stats, |_| "pipe-transport"),
    }
}

/// Every dump or stats object on its way to JS passes here (the one place
/// output takes mediasoup-node's form): absent members left out rather than
/// `null` (mediasoup-rust serialises them as `null`), tuples with the
/// legacy `localIp`, ICE candidates with the legacy `ip`.
pub fn as_mediasoup_node(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|_, v| !v.is_null());
                if let Some(Value::String(address)) = map.get("localAddress") {
                    if !map.contains_key("localIp") {
                        let address = address.clone();
                        map.insert("localIp".into(), Value::String(address));
                    }
                }
                // ICE candidates carry the legacy `ip` beside `address`.
                if let (true, Some(Value::String(address))) =
                    (map.contains_key("foundation"), map.get("address"))
                {
                    if !map.contains_key("ip") {
                        let address = address.clone();
                        map.insert("ip".into(), Value::String(address));
                    }
                }
                // SCTP parameters as mediasoup-node reports them, in a dump
                // as on the transport (see `sctp_parameters`).
                if let Some(sctp) = map.get_mut("sctpParameters") {
                    if let Ok(parameters) = serde_json::from_value(sctp.clone()) {
                        *sctp = sctp_parameters(&Some(parameters));
                    }
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

fn optional_tuple(value: &Option<TransportTuple>) -> Value {
    value.as_ref().map(tuple).unwrap_or(Value::Null)
}

/// DTLS parameters as mediasoup-node gives them. mediasoup-rust's own
/// serialisation formats a fingerprint one byte at a time through
/// `format!`; for a new transport's five fingerprints (208 bytes) that was
/// about a twelfth of the CPU its creation took on the Rust side.
#[derive(Serialize)]
struct Dtls {
    role: DtlsRole,
    fingerprints: Vec<Fingerprint>,
}

#[derive(Serialize)]
struct Fingerprint {
    algorithm: &'static str,
    value: String,
}

fn dtls(parameters: &DtlsParameters) -> Dtls {
    Dtls {
        role: parameters.role,
        fingerprints: parameters.fingerprints.iter().map(fingerprint).collect(),
    }
}

fn fingerprint(fingerprint: &DtlsFingerprint) -> Fingerprint {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let (algorithm, bytes): (&str, &[u8]) = match fingerprint {
        DtlsFingerprint::Sha1 { value } => ("sha-1", value),
        DtlsFingerprint::Sha224 { value } => ("sha-224", value),
        DtlsFingerprint::Sha256 { value } => ("sha-256", value),
        DtlsFingerprint::Sha384 { value } => ("sha-384", value),
        DtlsFingerprint::Sha512 { value } => ("sha-512", value),
    };
    let mut text = String::with_capacity(bytes.len() * 3);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            text.push(':');
        }
        text.push(HEX[usize::from(byte >> 4)] as char);
        text.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    Fingerprint {
        algorithm,
        value: text,
    }
}

/// An ICE candidate with the legacy `ip` beside `address` (pymediasoup and
/// older mediasoup-client read `ip`).
#[derive(Serialize)]
struct Candidate<'a> {
    #[serde(flatten)]
    candidate: &'a IceCandidate,
    ip: &'a str,
}

fn ice_candidate(candidate: &IceCandidate) -> Candidate<'_> {
    Candidate {
        candidate,
        ip: &candidate.address,
    }
}

/// SCTP parameters in mediasoup-node's shape.
fn sctp_parameters(parameters: &Option<SctpParameters>) -> Value {
    match parameters {
        Some(p) => json!({
            "port": p.port,
            "OS": p.os,
            "MIS": p.mis,
            "maxMessageSize": p.max_send_message_size,
        }),
        None => Value::Null,
    }
}

/// A transport's data, as the JS transport classes keep it, as JSON text.
///
/// A WebRTC transport's is written straight from its typed values, as a
/// producer's is (see [`producer`]): it is made on the JS thread for every
/// `createWebRtcTransport()`, and a `Value` tree in between (a map per
/// object, a string per key, for its candidates and five fingerprints)
/// was a visible share of that thread's time with 16 creations in flight.
pub fn transport(info: &TransportInfo) -> String {
    let id = info.id.to_string();
    let value = match &info.data {
        TransportData::WebRtc {
            ice_role,
            ice_parameters,
            ice_candidates,
            ice_state,
            ice_selected_tuple,
            dtls_parameters,
            dtls_state,
            dtls_remote_cert,
            sctp_parameters: sctp,
            sctp_state,
        } => {
            /// Keys in the order the `Value` maps used (sorted).
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Shape<'a> {
                dtls_parameters: Dtls,
                dtls_remote_cert: &'a Option<String>,
                dtls_state: &'a DtlsState,
                ice_candidates: Vec<Candidate<'a>>,
                ice_parameters: &'a IceParameters,
                ice_role: &'a IceRole,
                ice_selected_tuple: Value,
                ice_state: &'a IceState,
                id: String,
                sctp_parameters: Value,
                sctp_state: &'a Option<SctpState>,
            }
            return serde_json::to_string(&Shape {
                dtls_parameters: dtls(dtls_parameters),
                dtls_remote_cert,
                dtls_state,
                ice_candidates: ice_candidates.iter().map(ice_candidate).collect(),
                ice_parameters,
                ice_role,
                ice_selected_tuple: optional_tuple(ice_selected_tuple),
                ice_state,
                id,
                sctp_parameters: sctp_parameters(sctp),
                sctp_state,
            })
            .unwrap_or_default();
        }
        TransportData::Plain {
            tuple: t,
            rtcp_tuple,
            sctp_parameters: sctp,
            sctp_state,
            srtp_parameters,
        } => json!({
            "id": id,
            "tuple": tuple(t),
            "rtcpTuple": optional_tuple(rtcp_tuple),
            "sctpParameters": sctp_parameters(sctp),
            "sctpState": sctp_state,
            "srtpParameters": srtp_parameters,
        }),
        TransportData::Direct => json!({ "id": id }),
        TransportData::Pipe {
            tuple: t,
            sctp_parameters: sctp,
            sctp_state,
            srtp_parameters,
        } => json!({
            "id": id,
            "tuple": tuple(t),
            "sctpParameters": sctp_parameters(sctp),
            "sctpState": sctp_state,
            "srtpParameters": srtp_parameters,
        }),
    };
    value.to_string()
}

/// What `connect()` changes, and all the JS layer reads back from it: the
/// DTLS role a WebRTC transport took (the role alone, as a string: made
/// into a JS object through Node-API, its wrapping was 4.4 % of all samples
/// of 16 `connect()`s in flight), a plain or pipe transport's tuples and SRTP parameters.
/// Not the whole transport: converting its ICE candidates and fingerprints
/// into JS objects again on every connect was a measurable share of the
/// call.
pub fn connected(connected: &Connected) -> Value {
    match connected {
        Connected::WebRtc { dtls_role } => to_value(dtls_role),
        Connected::Plain {
            tuple: t,
            rtcp_tuple,
            srtp_parameters,
        } => json!({
            "tuple": tuple(t),
            "rtcpTuple": optional_tuple(rtcp_tuple),
            "srtpParameters": srtp_parameters,
        }),
        Connected::Pipe { tuple: t } => json!({ "tuple": tuple(t) }),
    }
}

/// A producer's data, as JSON text.
///
/// Written straight from the typed values: a produce finishes on the worker
/// thread, where building a `Value` tree first (a map per object, a string
/// per key) took about a tenth of the thread's time with 16 produces in
/// flight. Top-level keys in the order the `Value` maps used (sorted).
pub fn producer(info: &ProducerInfo) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Shape<'a> {
        consumable_rtp_parameters: &'a RtpParameters,
        id: String,
        kind: MediaKind,
        paused: bool,
        rtp_parameters: &'a RtpParameters,
        score: &'a [ProducerScore],
        r#type: ProducerType,
    }
    text(&Shape {
        consumable_rtp_parameters: &info.consumable_rtp_parameters,
        id: info.id.to_string(),
        kind: info.kind,
        paused: info.paused,
        rtp_parameters: &info.rtp_parameters,
        score: &info.score,
        r#type: info.r#type,
    })
}

/// A consumer's data, as JSON text (written straight from the typed values,
/// as [`producer`]'s, unless its RTP parameters need mending first).
pub fn consumer(info: &ConsumerInfo) -> String {
    if info.r#type != ConsumerType::Pipe && !info.imported {
        return text(&ConsumerShape::of(info, &info.rtp_parameters));
    }
    let mut rtp_parameters = to_value(&info.rtp_parameters);
    if info.r#type == ConsumerType::Pipe {
        // The worker adds its own packet-id extension to what a pipe
        // consumer sends; mediasoup-node 3.x neither shows nor accepts it,
        // and the other end of a pipe may well be mediasoup-node.
        if let Some(extensions) = rtp_parameters["headerExtensions"].as_array_mut() {
            extensions.retain(|e| e["uri"] != PACKET_ID_EXTENSION);
        }
    }
    if info.imported {
        // mediasoup-node's consumer of a pipe producer shows the pipe
        // producer's parameters, which came back from a worker, where every
        // header extension has parameters.
        for extension in rtp_parameters["headerExtensions"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            if extension.get("parameters").is_none() {
                extension["parameters"] = json!({});
            }
        }
    }
    text(&ConsumerShape::of(info, &rtp_parameters))
}

/// What [`consumer`] writes, its RTP parameters typed or mended (keys
/// sorted, as [`producer`]'s).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConsumerShape<'a, P: Serialize> {
    current_layers: Option<ConsumerLayers>,
    id: String,
    kind: MediaKind,
    paused: bool,
    preferred_layers: Option<ConsumerLayers>,
    priority: u8,
    producer_id: String,
    producer_paused: bool,
    rtp_parameters: &'a P,
    score: &'a ConsumerScore,
    r#type: ConsumerType,
}

impl<'a, P: Serialize> ConsumerShape<'a, P> {
    fn of(info: &'a ConsumerInfo, rtp_parameters: &'a P) -> Self {
        Self {
            current_layers: info.current_layers,
            id: info.id.to_string(),
            kind: info.kind,
            paused: info.paused,
            preferred_layers: info.preferred_layers,
            priority: info.priority,
            producer_id: info.producer_id.to_string(),
            producer_paused: info.producer_paused,
            rtp_parameters,
            score: &info.score,
            r#type: info.r#type,
        }
    }
}

/// JSON text of a value that is known to serialise.
fn text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("null"))
}

const PACKET_ID_EXTENSION: &str = "urn:mediasoup:params:rtp-hdrext:packet-id";

/// The data argument of an event, as the JS classes expect it.
pub fn event_data(event: &Event) -> Value {
    match event {
        Event::WorkerDied { message, .. } => Value::String(message.clone()),
        Event::RouterWorkerClose { .. }
        | Event::TransportRouterClose { .. }
        | Event::ObserverRouterClose { .. }
        | Event::ConsumerProducerClose { .. }
        | Event::ConsumerProducerPause { .. }
        | Event::ConsumerProducerResume { .. } => Value::Null,
        Event::IceStateChange { state, .. } => to_value(state),
        Event::IceSelectedTupleChange { tuple: t, .. }
        | Event::Tuple { tuple: t, .. }
        | Event::RtcpTuple { tuple: t, .. } => tuple(t),
        Event::DtlsStateChange {
            state, remote_cert, ..
        } => json!({ "state": state, "remoteCert": remote_cert }),
        Event::SctpStateChange { state, .. } => to_value(state),
        Event::ProducerScore { score, .. } => to_value(score),
        Event::ProducerVideoOrientationChange { orientation, .. } => to_value(orientation),
        Event::ConsumerScore { score, .. } => to_value(score),
        Event::ConsumerLayersChange { layers, .. } => to_value(layers),
        Event::ObserverVolumes { volumes, .. } => Value::Array(
            volumes
                .iter()
                .map(|(producer, volume)| json!({ "producerId": producer.to_string(), "volume": volume }))
                .collect(),
        ),
        Event::ObserverSilence { .. } => Value::Null,
        Event::Trace { data, .. } => data.clone(),
        Event::ObserverDominantSpeaker { producer, .. } => json!({ "producerId": producer.to_string() }),
        // The bytes travel beside the data (see events.rs).
        Event::ConsumerRtp { .. }
        | Event::DirectTransportRtcp { .. }
        | Event::DataConsumerDataProducerClose { .. }
        | Event::DataConsumerDataProducerPause { .. }
        | Event::DataConsumerDataProducerResume { .. }
        | Event::DataConsumerSctpSendBufferFull { .. } => Value::Null,
        Event::DataConsumerBufferedAmountLow { buffered_amount, .. } => Value::from(*buffered_amount),
        Event::Log(record) => json!({
            "category": record.category.name(),
            "level": record.level.name(),
            "message": record.message,
        }),
        Event::DataConsumerMessage { ppid, .. } => Value::from(*ppid),
    }
}

/// A data producer's data.
pub fn data_producer(info: &DataProducerInfo) -> Value {
    json!({
        "id": info.id.to_string(),
        "type": info.r#type,
        "sctpStreamParameters": info.sctp_stream_parameters,
        "label": info.label,
        "protocol": info.protocol,
        "paused": info.paused,
    })
}

/// A data consumer's data.
pub fn data_consumer(info: &DataConsumerInfo) -> Value {
    json!({
        "id": info.id.to_string(),
        "dataProducerId": info.data_producer_id.to_string(),
        "type": info.r#type,
        "sctpStreamParameters": info.sctp_stream_parameters,
        "label": info.label,
        "protocol": info.protocol,
        "paused": info.paused,
        "dataProducerPaused": info.data_producer_paused,
        "subchannels": info.subchannels,
        "bufferedAmountLowThreshold": info.buffered_amount_low_threshold,
    })
}
