//! Room rules: which rooms share a real router, what a room may consume,
//! when an import is refused. Pure.

use crate::ids::VirtualRouterId;
use mediasoup::prelude::*;

/// The key rooms with `media_codecs` share real routers by. The codecs as
/// given, in order: their order decides the payload types mediasoup assigns,
/// so rooms whose lists differ only in order get different capabilities.
pub(crate) fn codec_key(media_codecs: &[RtpCodecCapability]) -> String {
    serde_json::to_string(media_codecs).unwrap_or_else(|e| format!("unserializable codecs: {e}"))
}

/// Whether a room may consume a source: its own, or imported. Pure, so that
/// the rule is stated once.
pub(crate) fn may_consume(source_room: VirtualRouterId, room: VirtualRouterId, imported: bool) -> bool {
    source_room == room || imported
}

/// Why an import is refused, if it is: `None` to go ahead.
pub(crate) fn import_refusal(
    source_room: Option<VirtualRouterId>,
    room: VirtualRouterId,
    already_imported: bool,
) -> Option<&'static str> {
    match source_room {
        None => Some("not found"),
        // mediasoup-node: "cannot use this Router as destination".
        Some(source) if source == room => Some("same router"),
        Some(_) if already_imported => Some("already exists"),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::{NonZeroU32, NonZeroU8};

    fn opus() -> RtpCodecCapability {
        RtpCodecCapability::Audio {
            mime_type: MimeTypeAudio::Opus,
            preferred_payload_type: None,
            clock_rate: NonZeroU32::new(48000).unwrap(),
            channels: NonZeroU8::new(2).unwrap(),
            parameters: RtpCodecParametersParameters::default(),
            rtcp_feedback: vec![],
        }
    }

    fn vp8() -> RtpCodecCapability {
        RtpCodecCapability::Video {
            mime_type: MimeTypeVideo::Vp8,
            preferred_payload_type: None,
            clock_rate: NonZeroU32::new(90000).unwrap(),
            parameters: RtpCodecParametersParameters::default(),
            rtcp_feedback: vec![],
        }
    }

    #[test]
    fn rooms_share_a_real_router_only_with_the_same_codecs_in_the_same_order() {
        assert_eq!(codec_key(&[opus(), vp8()]), codec_key(&[opus(), vp8()]));
        assert_ne!(codec_key(&[opus(), vp8()]), codec_key(&[opus()]));
        // The order decides payload types: another order, other capabilities.
        assert_ne!(codec_key(&[opus(), vp8()]), codec_key(&[vp8(), opus()]));
    }

    fn room() -> VirtualRouterId {
        VirtualRouterId::new_for_tests()
    }

    #[test]
    fn a_room_consumes_its_own_and_imported_sources_only() {
        let (a, b) = (room(), room());
        assert!(may_consume(a, a, false));
        assert!(!may_consume(a, b, false));
        assert!(may_consume(a, b, true));
    }

    #[test]
    fn imports_are_refused_as_mediasoup_refuses_pipe_to_router() {
        let (a, b) = (room(), room());
        assert_eq!(import_refusal(None, b, false), Some("not found"));
        assert_eq!(import_refusal(Some(b), b, false), Some("same router"));
        assert_eq!(import_refusal(Some(a), b, true), Some("already exists"));
        assert_eq!(import_refusal(Some(a), b, false), None);
    }
}
