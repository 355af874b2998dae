//! Messages through the core, without Node: a data producer on a
//! DirectTransport, a data consumer on another one, the message events.

use mafalda_core::mediasoup::prelude::*;
use mafalda_core::pool::PoolConfig;
use mafalda_core::{
    DataConsumeOptions, DataProduceOptions, ErrorKind, Event, EventSink, Mafalda, TransportOptions,
};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Keeps the messages (ppid, bytes) and the names of the other events.
#[derive(Default)]
struct Recorder {
    messages: Mutex<Vec<(u32, Vec<u8>)>>,
    events: Mutex<Vec<&'static str>>,
}

impl EventSink for Recorder {
    fn emit(&self, mut event: Event) {
        let payload = event.take_payload();
        match (event, payload) {
            (Event::DataConsumerMessage { ppid, .. }, Some(payload)) => {
                self.messages.lock().unwrap().push((ppid, payload))
            }
            (event, _) => self.events.lock().unwrap().push(event.name()),
        }
    }
}

async fn until(condition: impl Fn() -> bool) {
    for _ in 0..100 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not met in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_data_producer_reaches_a_direct_data_consumer() {
    let recorder = Arc::new(Recorder::default());
    let mafalda = Mafalda::new(PoolConfig::default(), recorder.clone());
    let router = mafalda.create_router(None, vec![]).await.unwrap();
    let direct = || TransportOptions::Direct(DirectTransportOptions::default());
    let sending = mafalda.create_transport(router.id, direct()).await.unwrap();
    let receiving = mafalda.create_transport(router.id, direct()).await.unwrap();

    let data_producer = mafalda
        .produce_data(
            sending.id,
            DataProduceOptions {
                label: "chat".into(),
                // Ignored on a DirectTransport, as in mediasoup.
                sctp_stream_parameters: Some(SctpStreamParameters::new_ordered(1)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(data_producer.label, "chat");
    assert_eq!(data_producer.sctp_stream_parameters, None);
    let options = DataConsumeOptions {
        data_producer_id: data_producer.id,
        ordered: None,
        max_packet_life_time: None,
        max_retransmits: None,
        paused: false,
        subchannels: Some(vec![7]),
    };
    let data_consumer = mafalda.consume_data(receiving.id, options).await.unwrap();
    assert_eq!(data_consumer.label, "chat");
    assert_eq!(data_consumer.subchannels, vec![7]);

    let text = |s: &'static str| WebRtcMessage::String(Cow::Borrowed(s.as_bytes()));
    mafalda
        .send_data(data_producer.id, text("hello"), None, None)
        .unwrap();
    mafalda
        .send_data(data_producer.id, text("not for 7"), Some(vec![8]), None)
        .unwrap();
    mafalda
        .send_data(
            data_producer.id,
            WebRtcMessage::Binary(Cow::Borrowed(&[1, 2, 3])),
            Some(vec![7]),
            None,
        )
        .unwrap();
    until(|| recorder.messages.lock().unwrap().len() == 2).await;
    assert_eq!(
        *recorder.messages.lock().unwrap(),
        vec![(51, b"hello".to_vec()), (53, vec![1, 2, 3])]
    );

    mafalda.close_data_producer(data_producer.id);
    until(|| recorder.events.lock().unwrap().contains(&"dataproducerclose")).await;
    // Forgotten by the janitor once the worker closed it.
    for _ in 0..50 {
        if mafalda.data_consumer_stats(data_consumer.id).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        mafalda
            .data_consumer_stats(data_consumer.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidState
    );
    mafalda.close_router(router.id);
}
