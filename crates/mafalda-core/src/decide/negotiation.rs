//! What consumers negotiate: the offer of the mediasoup release users run.
//!
//! The worker linked here (mediasoup-sys 0.24) runs its send-side bandwidth
//! estimation for every packet of a consumer that negotiated
//! transport-wide-cc, audio included (a send-history insert per packet), and
//! offers transport-wide-cc for audio as `sendrecv`. mediasoup 3.x offers it
//! for audio as `recvonly`: the worker reads it on audio producers but never
//! puts it on audio consumers, whose few kbit/s need no estimate. These pure
//! rules restore mediasoup's offer; they cost nothing a client can see
//! (mediasoup-client asks only for what the router offers as
//! `sendrecv`/`recvonly`-for-it), and they take the estimator's per-packet
//! work off audio (see docs/benchmarks.md, `bench:forward`).

use mediasoup::types::rtp_parameters::{
    MediaKind, MimeType, MimeTypeVideo, RtpCapabilities, RtpCodecCapability, RtpCodecParameters,
    RtpCodecParametersParametersValue, RtpHeaderExtension, RtpHeaderExtensionDirection,
    RtpHeaderExtensionUri, RtpParameters,
};

/// The header extensions offered to the application (router and supported
/// capabilities), as mediasoup offers them: transport-wide-cc for audio
/// `recvonly`, and no `urn:mediasoup:params:rtp-hdrext:packet-id` (an
/// extension of the worker linked here that mediasoup 3.x does not have,
/// written on every packet of a consumer that negotiates it).
pub fn offered_header_extensions(extensions: &mut Vec<RtpHeaderExtension>) {
    extensions.retain(|extension| extension.uri != RtpHeaderExtensionUri::MediasoupPacketId);
    for extension in extensions {
        if is_audio_twcc(extension.kind, extension.uri) {
            extension.direction = RtpHeaderExtensionDirection::RecvOnly;
        }
    }
}

/// The capabilities a consumer of a `kind` producer is created with: no
/// packet-id, and an audio consumer never negotiates transport-wide-cc,
/// whatever the application passed (the worker matches extensions by URI
/// and id only, so a client's video entry would otherwise apply to audio).
pub fn consumer_capabilities(kind: MediaKind, capabilities: &mut RtpCapabilities) {
    capabilities.header_extensions.retain(|extension| {
        extension.uri != RtpHeaderExtensionUri::MediasoupPacketId
            && !(kind == MediaKind::Audio && extension.uri == RtpHeaderExtensionUri::TransportWideCcDraft01)
    });
}

/// Whether a PlainTransport runs send-side bandwidth estimation. mediasoup
/// 3.x runs it on a transport only for video consumers that negotiated
/// transport-wide-cc or REMB; the worker linked here would run it for every
/// transport with consumers, and a plain RTP endpoint (a recorder, a
/// gateway) sends no feedback for it to work on. Off, as the estimator's
/// per-packet cost is all it would add.
pub const PLAIN_TRANSPORT_BWE: bool = false;

/// Whether an endpoint with `capabilities` can consume a producer whose
/// consumable parameters are `consumable`, as a router answers
/// `canConsume()`: some media codec of the producer has a codec in the
/// capabilities with the same MIME type, clock rate and channels (and, for
/// H264, packetization mode). Asked where the producer's own router is on
/// another machine.
pub fn can_consume_parameters(consumable: &RtpParameters, capabilities: &RtpCapabilities) -> bool {
    consumable
        .codecs
        .iter()
        .filter(|codec| !codec.is_rtx())
        .any(|codec| capabilities.codecs.iter().any(|cap| codec_matches(codec, cap)))
}

fn codec_matches(codec: &RtpCodecParameters, cap: &RtpCodecCapability) -> bool {
    let (codec_channels, cap_channels, cap_clock_rate) = match (codec, cap) {
        (
            RtpCodecParameters::Audio { channels: a, .. },
            RtpCodecCapability::Audio {
                channels: b,
                clock_rate,
                ..
            },
        ) => (a.get(), b.get(), *clock_rate),
        (RtpCodecParameters::Video { .. }, RtpCodecCapability::Video { clock_rate, .. }) => {
            (1, 1, *clock_rate)
        }
        _ => return false,
    };
    if codec.mime_type() != cap.mime_type()
        || codec.clock_rate() != cap_clock_rate
        || codec_channels != cap_channels
    {
        return false;
    }
    if codec.mime_type() == MimeType::Video(MimeTypeVideo::H264) {
        let mode = |value: Option<&RtpCodecParametersParametersValue>| match value {
            Some(RtpCodecParametersParametersValue::Number(n)) => *n,
            Some(RtpCodecParametersParametersValue::String(s)) => s.parse().unwrap_or(0),
            None => 0,
        };
        return mode(codec.parameters().get("packetization-mode"))
            == mode(cap.parameters().get("packetization-mode"));
    }
    true
}

fn is_audio_twcc(kind: MediaKind, uri: RtpHeaderExtensionUri) -> bool {
    kind == MediaKind::Audio && uri == RtpHeaderExtensionUri::TransportWideCcDraft01
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(mut json: serde_json::Value) -> RtpParameters {
        json["headerExtensions"] = serde_json::json!([]);
        json["encodings"] = serde_json::json!([]);
        json["rtcp"] = serde_json::json!({ "reducedSize": true });
        serde_json::from_value(json).unwrap()
    }

    fn caps(mut json: serde_json::Value) -> RtpCapabilities {
        json["headerExtensions"] = serde_json::json!([]);
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn can_consume_parameters_matches_codecs_as_a_router_does() {
        let opus = params(serde_json::json!({ "codecs": [
            { "mimeType": "audio/opus", "payloadType": 100, "clockRate": 48000, "channels": 2 }
        ] }));
        let h264 = params(serde_json::json!({ "codecs": [
            { "mimeType": "video/H264", "payloadType": 101, "clockRate": 90000,
              "parameters": { "packetization-mode": 1, "profile-level-id": "42e01f" } },
            { "mimeType": "video/rtx", "payloadType": 102, "clockRate": 90000, "parameters": { "apt": 101 } }
        ] }));
        let opus_caps = caps(serde_json::json!({ "codecs": [
            { "kind": "audio", "mimeType": "audio/opus", "preferredPayloadType": 100, "clockRate": 48000, "channels": 2 }
        ] }));
        let mono = caps(serde_json::json!({ "codecs": [
            { "kind": "audio", "mimeType": "audio/opus", "preferredPayloadType": 100, "clockRate": 48000, "channels": 1 }
        ] }));
        let h264_caps = |mode: u32| {
            caps(serde_json::json!({ "codecs": [
            { "kind": "video", "mimeType": "video/H264", "preferredPayloadType": 101, "clockRate": 90000,
              "parameters": { "packetization-mode": mode, "profile-level-id": "4d0032" } }
        ] }))
        };
        assert!(can_consume_parameters(&opus, &opus_caps));
        assert!(!can_consume_parameters(&opus, &mono), "channels differ");
        assert!(!can_consume_parameters(&opus, &h264_caps(1)), "no audio codec");
        assert!(
            can_consume_parameters(&h264, &h264_caps(1)),
            "profile is not compared (as a router)"
        );
        assert!(
            !can_consume_parameters(&h264, &h264_caps(0)),
            "packetization mode differs"
        );
        assert!(!can_consume_parameters(
            &h264,
            &caps(serde_json::json!({ "codecs": [] }))
        ));
    }
    use RtpHeaderExtensionDirection::*;

    fn extension(kind: MediaKind, uri: RtpHeaderExtensionUri, id: u16) -> RtpHeaderExtension {
        RtpHeaderExtension {
            kind,
            uri,
            preferred_id: id,
            preferred_encrypt: false,
            direction: SendRecv,
        }
    }

    #[test]
    fn audio_transport_wide_cc_is_offered_recvonly_and_nothing_else_changes() {
        let mut offered = vec![
            extension(MediaKind::Audio, RtpHeaderExtensionUri::TransportWideCcDraft01, 5),
            extension(MediaKind::Video, RtpHeaderExtensionUri::TransportWideCcDraft01, 5),
            extension(MediaKind::Audio, RtpHeaderExtensionUri::SsrcAudioLevel, 6),
            extension(MediaKind::Video, RtpHeaderExtensionUri::MediasoupPacketId, 11),
        ];
        offered_header_extensions(&mut offered);
        let directions: Vec<_> = offered.iter().map(|e| (e.uri, e.direction)).collect();
        assert_eq!(
            directions,
            vec![
                (RtpHeaderExtensionUri::TransportWideCcDraft01, RecvOnly),
                (RtpHeaderExtensionUri::TransportWideCcDraft01, SendRecv),
                (RtpHeaderExtensionUri::SsrcAudioLevel, SendRecv),
            ]
        );
    }

    #[test]
    fn audio_consumers_drop_transport_wide_cc_video_consumers_keep_it() {
        let capabilities = RtpCapabilities {
            codecs: vec![],
            header_extensions: vec![
                extension(MediaKind::Video, RtpHeaderExtensionUri::TransportWideCcDraft01, 5),
                extension(MediaKind::Audio, RtpHeaderExtensionUri::SsrcAudioLevel, 6),
                extension(MediaKind::Audio, RtpHeaderExtensionUri::MediasoupPacketId, 11),
            ],
        };
        let mut audio = capabilities.clone();
        consumer_capabilities(MediaKind::Audio, &mut audio);
        assert_eq!(audio.header_extensions.len(), 1);
        assert_eq!(
            audio.header_extensions[0].uri,
            RtpHeaderExtensionUri::SsrcAudioLevel
        );
        let mut video = capabilities.clone();
        consumer_capabilities(MediaKind::Video, &mut video);
        assert_eq!(video.header_extensions, capabilities.header_extensions[..2]);
    }
}
