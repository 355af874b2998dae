//! JS options → mediasoup-rust types.
//!
//! Options arrive already normalised by the JS layer (defaults and legacy
//! shapes such as `listenIps` resolved, as mediasoup-node's own JS does) and
//! are deserialised strictly here; a value of the wrong type is a
//! `TypeError` naming the field.

use crate::error::{type_error, Result};
use mafalda_core::mediasoup::prelude::*;
use mafalda_core::mediasoup::types::data_structures::SocketFlags;
use mafalda_core::mediasoup::types::srtp_parameters::SrtpParameters;
use mafalda_core::{TransportOptions, TransportRemoteParameters};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::net::IpAddr;

/// Deserialises `value` as `T`, or a `TypeError` saying what was wrong.
pub fn parse<T: DeserializeOwned>(value: Value, what: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|error| type_error(format!("invalid {what}: {error}")))
}

/// Mime types mediasoup-rust knows, in their canonical spelling.
const MIME_TYPES: &[&str] = &[
    "audio/opus",
    "audio/multiopus",
    "audio/PCMU",
    "audio/PCMA",
    "audio/ISAC",
    "audio/G722",
    "audio/iLBC",
    "audio/SILK",
    "audio/CN",
    "audio/telephone-event",
    "audio/rtx",
    "audio/red",
    "video/VP8",
    "video/VP9",
    "video/H264",
    "video/AV1",
    "video/rtx",
    "video/red",
    "video/ulpfec",
];

/// The canonical spelling of a mime type (mediasoup compares them without
/// case), or `None` when mediasoup does not support it.
fn canonical_mime_type(mime_type: &str) -> Option<&'static str> {
    MIME_TYPES
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(mime_type))
}

/// Header extension URIs mediasoup-rust knows.
fn known_header_extension(uri: &Value) -> bool {
    serde_json::from_value::<RtpHeaderExtensionUri>(uri.clone()).is_ok()
}

/// Fixes mime type case and drops what mediasoup cannot use (unknown codecs
/// and header extensions): a remote endpoint's capabilities and parameters
/// routinely carry both, and mediasoup-node ignores them too.
fn normalise_codecs_and_extensions(value: &mut Value) {
    if let Some(codecs) = value.get_mut("codecs").and_then(Value::as_array_mut) {
        for parameters in codecs
            .iter_mut()
            .filter_map(|c| c.get_mut("parameters"))
            .filter_map(Value::as_object_mut)
        {
            opaque_numbers_as_strings(parameters);
        }
        codecs.retain_mut(|codec| {
            let Some(mime) = codec.get("mimeType").and_then(Value::as_str) else {
                return true;
            };
            match canonical_mime_type(mime) {
                Some(canonical) => {
                    codec["mimeType"] = Value::String(canonical.to_string());
                    // mediasoup-node's default; mediasoup-rust requires it.
                    if canonical.starts_with("audio/") && codec.get("channels").is_none_or(Value::is_null) {
                        codec["channels"] = Value::from(1);
                    }
                    true
                }
                None => false,
            }
        });
    }
    if let Some(extensions) = value.get_mut("headerExtensions").and_then(Value::as_array_mut) {
        extensions.retain(|extension| extension.get("uri").is_some_and(known_header_extension));
        // mediasoup-node's defaults for the optional members.
        for extension in extensions.iter_mut().filter_map(Value::as_object_mut) {
            if extension.contains_key("preferredId") {
                extension.entry("preferredEncrypt").or_insert(Value::Bool(false));
                extension
                    .entry("direction")
                    .or_insert(Value::String("sendrecv".into()));
            } else {
                extension.entry("encrypt").or_insert(Value::Bool(false));
            }
        }
    }
}

/// mediasoup-rust types codec parameter values as strings or `u32`;
/// mediasoup-node passes any JSON number through. Numbers that do not fit
/// (fractions, negatives) are opaque to mediasoup anyway: keep them, as text.
fn opaque_numbers_as_strings(parameters: &mut serde_json::Map<String, Value>) {
    for value in parameters.values_mut() {
        if let Value::Number(number) = value {
            if number.as_u64().is_none_or(|n| n > u64::from(u32::MAX)) {
                *value = Value::String(number.to_string());
            }
        }
    }
}

/// Overrides a default with the caller's value, if given.
fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

/// `createRouter({ mediaCodecs })`.
pub fn media_codecs(value: Value) -> Result<Vec<RtpCodecCapability>> {
    let Value::Array(codecs) = value else {
        return Err(type_error("mediaCodecs must be an Array"));
    };
    codecs
        .into_iter()
        .map(|mut codec| {
            let mime = codec
                .get("mimeType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let kind = codec
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if kind != "audio" && kind != "video" {
                return Err(type_error(format!("invalid codec.kind \"{kind}\"")));
            }
            if !mime.to_ascii_lowercase().starts_with(&format!("{kind}/")) {
                return Err(type_error(format!("invalid codec.mimeType \"{mime}\"")));
            }
            let Some(canonical) = canonical_mime_type(&mime) else {
                return Err(crate::error::to_napi(mafalda_core::Error::unsupported(format!(
                    "media codec not supported [mimeType:{mime}]"
                ))));
            };
            codec["mimeType"] = Value::String(canonical.to_string());
            if let Some(parameters) = codec.get_mut("parameters").and_then(Value::as_object_mut) {
                opaque_numbers_as_strings(parameters);
            }
            // mediasoup-node lets audio codecs omit `channels` (mono).
            if kind == "audio" && codec.get("channels").is_none_or(Value::is_null) {
                codec["channels"] = Value::from(1);
            }
            parse(codec, "media codec")
        })
        .collect()
}

/// Sets `field` to `default` when absent; a present value must be an array.
fn default_array(value: &mut Value, field: &str, default: Value, what: &str) -> Result<()> {
    match value.get(field) {
        None | Some(Value::Null) => {
            value[field] = default;
            Ok(())
        }
        Some(Value::Array(_)) => Ok(()),
        Some(_) => Err(type_error(format!("wrong {what}.{field} (not an array)"))),
    }
}

/// Remote RTP capabilities (`consume()`, `canConsume()`).
pub fn rtp_capabilities(mut value: Value) -> Result<RtpCapabilities> {
    if !value.is_object() {
        return Err(type_error("missing rtpCapabilities"));
    }
    default_array(&mut value, "codecs", Value::Array(vec![]), "rtpCapabilities")?;
    default_array(
        &mut value,
        "headerExtensions",
        Value::Array(vec![]),
        "rtpCapabilities",
    )?;
    normalise_codecs_and_extensions(&mut value);
    parse(value, "rtpCapabilities")
}

/// Capabilities recently parsed, by their JSON text.
static CAPABILITIES: std::sync::Mutex<Option<HashMap<String, RtpCapabilities>>> = std::sync::Mutex::new(None);

/// How many distinct capabilities are kept (a few per peer that consumes:
/// the same device's capabilities come with each of its consumes).
const CAPABILITIES_KEPT: usize = 512;

/// A consumer's `rtpCapabilities`, given as JSON text. A peer sends the same
/// capabilities with every consume (18 of them when it joins a room of 10),
/// and parsing, normalising and converting them costs more than the rest of
/// the call on the JS thread; so the result is kept by text and reused
/// while the text is the same. Errors are not kept.
pub fn rtp_capabilities_text(text: &str) -> Result<RtpCapabilities> {
    let lock = || {
        CAPABILITIES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    if let Some(capabilities) = lock().as_ref().and_then(|kept| kept.get(text)) {
        return Ok(capabilities.clone());
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|error| type_error(format!("invalid rtpCapabilities: {error}")))?;
    let capabilities = rtp_capabilities(value)?;
    let mut kept = lock();
    let kept = kept.get_or_insert_with(HashMap::new);
    if kept.len() >= CAPABILITIES_KEPT {
        kept.clear();
    }
    kept.insert(text.to_string(), capabilities.clone());
    Ok(capabilities)
}

/// RTP parameters of `produce()`.
pub fn rtp_parameters(mut value: Value) -> Result<RtpParameters> {
    if !value.is_object() {
        return Err(type_error("missing rtpParameters"));
    }
    // mediasoup-node's defaults: only `codecs` is mandatory.
    if !value.get("codecs").is_some_and(Value::is_array) {
        return Err(type_error("missing params.codecs"));
    }
    default_array(&mut value, "headerExtensions", Value::Array(vec![]), "params")?;
    default_array(&mut value, "encodings", Value::Array(vec![]), "params")?;
    if value["encodings"].as_array().is_some_and(Vec::is_empty) {
        value["encodings"] = serde_json::json!([{}]);
    }
    match value.get_mut("rtcp") {
        None | Some(Value::Null) => value["rtcp"] = serde_json::json!({ "reducedSize": true }),
        Some(rtcp @ Value::Object(_)) => {
            if !rtcp.get("reducedSize").is_some_and(Value::is_boolean) {
                rtcp["reducedSize"] = Value::Bool(true);
            }
        }
        Some(_) => return Err(type_error("wrong params.rtcp (not an object)")),
    }
    normalise_codecs_and_extensions(&mut value);
    parse(value, "rtpParameters")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PortRange {
    min: u16,
    max: u16,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Flags {
    #[serde(default)]
    ipv6_only: bool,
    #[serde(default)]
    udp_reuse_port: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsListenInfo {
    protocol: Protocol,
    ip: String,
    announced_address: Option<String>,
    /// Legacy name of `announcedAddress`.
    announced_ip: Option<String>,
    #[serde(default)]
    expose_internal_ip: bool,
    port: Option<u16>,
    port_range: Option<PortRange>,
    flags: Option<Flags>,
    send_buffer_size: Option<u32>,
    recv_buffer_size: Option<u32>,
}

fn listen_info_from(info: JsListenInfo) -> Result<ListenInfo> {
    let ip: IpAddr = info
        .ip
        .parse()
        .map_err(|_| type_error(format!("invalid listen ip \"{}\"", info.ip)))?;
    Ok(ListenInfo {
        protocol: info.protocol,
        ip,
        announced_address: info.announced_address.or(info.announced_ip),
        expose_internal_ip: info.expose_internal_ip,
        port: info.port.filter(|port| *port != 0),
        port_range: info.port_range.map(|range| range.min..=range.max),
        flags: info.flags.map(|flags| SocketFlags {
            ipv6_only: flags.ipv6_only,
            udp_reuse_port: flags.udp_reuse_port,
        }),
        send_buffer_size: info.send_buffer_size,
        recv_buffer_size: info.recv_buffer_size,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsWebRtcTransportOptions {
    #[serde(default)]
    listen_infos: Vec<JsListenInfo>,
    web_rtc_server_id: Option<String>,
    enable_udp: Option<bool>,
    enable_tcp: Option<bool>,
    prefer_udp: Option<bool>,
    prefer_tcp: Option<bool>,
    ice_consent_timeout: Option<u8>,
    initial_available_outgoing_bitrate: Option<u64>,
    enable_sctp: Option<bool>,
    max_sctp_message_size: Option<u32>,
    sctp_send_buffer_size: Option<u32>,
}

/// `createWebRtcTransport()`, with `listenInfos` or a `webRtcServerId`.
pub fn webrtc_transport_options(value: Value) -> Result<TransportOptions> {
    let js: JsWebRtcTransportOptions = parse(value, "WebRtcTransport options")?;
    let server = js
        .web_rtc_server_id
        .as_deref()
        .map(|s| id(s, "webRtcServer"))
        .transpose()?;
    let listen_infos = match server {
        // Replaced by the real server where the transport is placed.
        Some(_) => WebRtcTransportListenInfos::new(mafalda_core::loopback_listen_info()),
        None => {
            let mut infos = js.listen_infos.into_iter().map(listen_info_from);
            let first = infos
                .next()
                .ok_or_else(|| type_error("empty listenInfos array provided"))??;
            let mut listen_infos = WebRtcTransportListenInfos::new(first);
            for info in infos {
                listen_infos = listen_infos.insert(info?);
            }
            listen_infos
        }
    };
    let mut options = WebRtcTransportOptions::new(listen_infos);
    set(&mut options.enable_udp, js.enable_udp);
    set(&mut options.enable_tcp, js.enable_tcp);
    set(&mut options.prefer_udp, js.prefer_udp);
    set(&mut options.prefer_tcp, js.prefer_tcp);
    set(&mut options.ice_consent_timeout, js.ice_consent_timeout);
    set(
        &mut options.initial_available_outgoing_bitrate,
        js.initial_available_outgoing_bitrate,
    );
    set(&mut options.enable_sctp, js.enable_sctp);
    set(&mut options.max_send_message_size, js.max_sctp_message_size);
    set(&mut options.max_receive_message_size, js.max_sctp_message_size);
    set(&mut options.sctp_send_buffer_size, js.sctp_send_buffer_size);
    Ok(match server {
        Some(server) => TransportOptions::WebRtcOnServer { server, options },
        None => TransportOptions::WebRtc(options),
    })
}

/// The `numSctpStreams` of transport options (mediasoup-node's default
/// when absent), which the transport reports as its SCTP stream counts.
pub fn sctp_streams(options: &Value) -> Result<mafalda_core::SctpStreams> {
    #[derive(Deserialize)]
    struct JsNumSctpStreams {
        #[serde(rename = "OS")]
        os: u16,
        #[serde(rename = "MIS")]
        mis: u16,
    }
    match options.get("numSctpStreams") {
        None | Some(Value::Null) => Ok(mafalda_core::SctpStreams::default()),
        Some(value) => {
            let js: JsNumSctpStreams = parse(value.clone(), "numSctpStreams")?;
            Ok(mafalda_core::SctpStreams {
                os: js.os,
                mis: js.mis,
            })
        }
    }
}

/// `createWebRtcServer()`'s `listenInfos`.
pub fn listen_infos(value: Value) -> Result<Vec<ListenInfo>> {
    let infos: Vec<JsListenInfo> = parse(value, "listenInfos")?;
    if infos.is_empty() {
        return Err(type_error("empty listenInfos array provided"));
    }
    infos.into_iter().map(listen_info_from).collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsPlainTransportOptions {
    listen_info: JsListenInfo,
    rtcp_listen_info: Option<JsListenInfo>,
    rtcp_mux: Option<bool>,
    comedia: Option<bool>,
    enable_sctp: Option<bool>,
    max_sctp_message_size: Option<u32>,
    sctp_send_buffer_size: Option<u32>,
    enable_srtp: Option<bool>,
    srtp_crypto_suite: Option<SrtpCryptoSuite>,
}

/// `createPlainTransport()` with `listenInfo`.
pub fn plain_transport_options(value: Value) -> Result<PlainTransportOptions> {
    let js: JsPlainTransportOptions = parse(value, "PlainTransport options")?;
    let mut options = PlainTransportOptions::new(listen_info_from(js.listen_info)?);
    options.rtcp_listen_info = js.rtcp_listen_info.map(listen_info_from).transpose()?;
    set(&mut options.rtcp_mux, js.rtcp_mux);
    set(&mut options.comedia, js.comedia);
    set(&mut options.enable_sctp, js.enable_sctp);
    set(&mut options.max_send_message_size, js.max_sctp_message_size);
    set(&mut options.max_receive_message_size, js.max_sctp_message_size);
    set(&mut options.sctp_send_buffer_size, js.sctp_send_buffer_size);
    set(&mut options.enable_srtp, js.enable_srtp);
    set(&mut options.srtp_crypto_suite, js.srtp_crypto_suite);
    Ok(options)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsPlainConnect {
    ip: Option<String>,
    port: Option<u16>,
    rtcp_port: Option<u16>,
    srtp_parameters: Option<SrtpParameters>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsWebRtcConnect {
    dtls_parameters: Option<DtlsParameters>,
}

/// Deserialises JSON `text` as `T`, or a `TypeError` saying what was wrong.
fn parse_text<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|error| type_error(format!("invalid {what}: {error}")))
}

/// `connect()` parameters (JSON text), for the given kind of transport.
/// Read straight into their types: a `Value` tree in between, cloned for
/// the DTLS part, was a visible share of a `connect()`'s JS-thread time.
pub fn connect_parameters(kind: &str, text: &str) -> Result<TransportRemoteParameters> {
    if kind == "webrtc" {
        let js: JsWebRtcConnect = parse_text(text, "dtlsParameters")?;
        let dtls_parameters = js
            .dtls_parameters
            .ok_or_else(|| type_error("missing dtlsParameters"))?;
        return Ok(TransportRemoteParameters::WebRtc(
            WebRtcTransportRemoteParameters { dtls_parameters },
        ));
    }
    let js: JsPlainConnect = parse_text(text, "connect parameters")?;
    if kind == "pipe" {
        let ip = js.ip.ok_or_else(|| type_error("missing ip"))?;
        let ip = ip
            .parse::<IpAddr>()
            .map_err(|_| type_error(format!("invalid ip \"{ip}\"")))?;
        return Ok(TransportRemoteParameters::Pipe(PipeTransportRemoteParameters {
            ip,
            port: js.port.ok_or_else(|| type_error("missing port"))?,
            srtp_parameters: js.srtp_parameters,
        }));
    }
    let ip = js
        .ip
        .map(|ip| {
            ip.parse::<IpAddr>()
                .map_err(|_| type_error(format!("invalid ip \"{ip}\"")))
        })
        .transpose()?;
    Ok(TransportRemoteParameters::Plain(PlainTransportRemoteParameters {
        ip,
        port: js.port,
        rtcp_port: js.rtcp_port,
        srtp_parameters: js.srtp_parameters,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsPipeTransportOptions {
    listen_info: JsListenInfo,
    enable_sctp: Option<bool>,
    max_sctp_message_size: Option<u32>,
    sctp_send_buffer_size: Option<u32>,
    enable_rtx: Option<bool>,
    enable_srtp: Option<bool>,
}

/// `createPipeTransport()` with `listenInfo`.
pub fn pipe_transport_options(value: Value) -> Result<PipeTransportOptions> {
    let js: JsPipeTransportOptions = parse(value, "PipeTransport options")?;
    let mut options = PipeTransportOptions::new(listen_info_from(js.listen_info)?);
    set(&mut options.enable_sctp, js.enable_sctp);
    set(&mut options.max_send_message_size, js.max_sctp_message_size);
    set(&mut options.max_receive_message_size, js.max_sctp_message_size);
    set(&mut options.sctp_send_buffer_size, js.sctp_send_buffer_size);
    set(&mut options.enable_rtx, js.enable_rtx);
    set(&mut options.enable_srtp, js.enable_srtp);
    Ok(options)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsProduce {
    id: Option<String>,
    kind: MediaKind,
    rtp_parameters: Value,
    #[serde(default)]
    paused: bool,
    key_frame_request_delay: Option<u32>,
}

/// `produce()` options.
pub fn producer_options(value: Value) -> Result<(Option<ProducerId>, ProducerOptions)> {
    let js: JsProduce = parse(value, "produce options")?;
    // An id is how a pipe producer takes its source's id (PipeTransports
    // only; the core refuses it elsewhere).
    let producer_id = js
        .id
        .as_deref()
        .map(|producer| id(producer, "producer"))
        .transpose()?;
    let mut options = ProducerOptions::new(js.kind, rtp_parameters(js.rtp_parameters)?);
    options.paused = js.paused;
    if let Some(delay) = js.key_frame_request_delay {
        options.key_frame_request_delay = delay;
    }
    Ok((producer_id, options))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsLayers {
    spatial_layer: u8,
    temporal_layer: Option<u8>,
}

/// Consumer layers (`preferredLayers`, `setPreferredLayers()`).
pub fn consumer_layers(value: Value) -> Result<ConsumerLayers> {
    let js: JsLayers = parse(value, "layers")?;
    Ok(ConsumerLayers {
        spatial_layer: js.spatial_layer,
        temporal_layer: js.temporal_layer,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsConsume {
    producer_id: String,
    #[serde(default)]
    paused: bool,
    mid: Option<String>,
    preferred_layers: Option<Value>,
    #[serde(default)]
    ignore_dtx: bool,
    enable_rtx: Option<bool>,
    #[serde(default)]
    pipe: bool,
}

/// `consume()` options, with the capabilities given apart (see
/// [`rtp_capabilities_text`]).
pub fn consumer_options(value: Value, rtp_capabilities: RtpCapabilities) -> Result<ConsumerOptions> {
    let js: JsConsume = parse(value, "consume options")?;
    let producer_id = js.producer_id.parse().map_err(|_| {
        crate::error::to_napi(mafalda_core::Error::not_found(format!(
            "Producer with id \"{}\" not found",
            js.producer_id
        )))
    })?;
    let mut options = ConsumerOptions::new(producer_id, rtp_capabilities);
    options.paused = js.paused;
    options.mid = js.mid;
    options.preferred_layers = js.preferred_layers.map(consumer_layers).transpose()?;
    options.ignore_dtx = js.ignore_dtx;
    options.enable_rtx = js.enable_rtx;
    options.pipe = js.pipe;
    Ok(options)
}

/// Trace event types (`enableTraceEvent()`), e.g. `"bwe"`, `"pli"`.
/// Unknown ones are ignored, as mediasoup's worker ignores them.
pub fn trace_types<T: DeserializeOwned>(types: Vec<String>) -> Vec<T> {
    types
        .into_iter()
        .filter_map(|t| serde_json::from_value(Value::String(t)).ok())
        .collect()
}

/// Parses an id the application passes back.
pub fn id<T: std::str::FromStr>(value: &str, what: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| type_error(format!("invalid {what} id \"{value}\"")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsDirectTransportOptions {
    max_message_size: u32,
}

/// `createDirectTransport()` options: one size limit, both ways.
pub fn direct_transport_options(value: Value) -> Result<DirectTransportOptions> {
    let js: JsDirectTransportOptions = parse(value, "DirectTransport options")?;
    let mut options = DirectTransportOptions::default();
    options.max_send_message_size = js.max_message_size;
    options.max_receive_message_size = js.max_message_size;
    Ok(options)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsProduceData {
    id: Option<String>,
    sctp_stream_parameters: Option<SctpStreamParameters>,
    #[serde(default)]
    label: String,
    #[serde(default)]
    protocol: String,
    #[serde(default)]
    paused: bool,
}

/// `produceData()` options (SCTP stream parameters already checked and
/// completed by the JS layer, as mediasoup-node's ortc does).
pub fn data_produce_options(value: Value) -> Result<mafalda_core::DataProduceOptions> {
    let js: JsProduceData = parse(value, "produceData options")?;
    Ok(mafalda_core::DataProduceOptions {
        id: js.id.as_deref().map(|id_| id(id_, "dataProducer")).transpose()?,
        sctp_stream_parameters: js.sctp_stream_parameters,
        label: js.label,
        protocol: js.protocol,
        paused: js.paused,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsConsumeData {
    data_producer_id: String,
    ordered: Option<bool>,
    max_packet_life_time: Option<u16>,
    max_retransmits: Option<u16>,
    #[serde(default)]
    paused: bool,
    subchannels: Option<Vec<u16>>,
}

/// `consumeData()` options (subchannels already 16-bit, as mediasoup-node
/// writes them).
pub fn data_consume_options(value: Value) -> Result<mafalda_core::DataConsumeOptions> {
    let js: JsConsumeData = parse(value, "consumeData options")?;
    let data_producer_id = js.data_producer_id.parse().map_err(|_| {
        crate::error::to_napi(mafalda_core::Error::not_found(format!(
            "DataProducer with id \"{}\" not found",
            js.data_producer_id
        )))
    })?;
    Ok(mafalda_core::DataConsumeOptions {
        data_producer_id,
        ordered: js.ordered,
        max_packet_life_time: js.max_packet_life_time,
        max_retransmits: js.max_retransmits,
        paused: js.paused,
        subchannels: js.subchannels,
    })
}

/// A message of `send()`: its bytes and PPID (51 string, 53 binary, 56 / 57
/// empty string / binary), as the JS layer settled them.
pub fn webrtc_message(payload: Vec<u8>, ppid: u32) -> Result<WebRtcMessage<'static>> {
    WebRtcMessage::new(ppid, std::borrow::Cow::Owned(payload))
        .map_err(|ppid| type_error(format!("invalid ppid {ppid} (51, 53, 56 or 57)")))
}
