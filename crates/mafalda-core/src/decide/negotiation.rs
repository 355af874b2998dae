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
    MediaKind, RtpCapabilities, RtpHeaderExtension, RtpHeaderExtensionDirection, RtpHeaderExtensionUri,
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

fn is_audio_twcc(kind: MediaKind, uri: RtpHeaderExtensionUri) -> bool {
    kind == MediaKind::Audio && uri == RtpHeaderExtensionUri::TransportWideCcDraft01
}

#[cfg(test)]
mod tests {
    use super::*;
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
