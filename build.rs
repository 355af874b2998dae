fn main() {
    napi_build::setup();
    // Marks where a mediasoup worker's loop exists, for the worker-side
    // busy poll (crates/mafalda-core/src/pool/worker_loop.c).
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-cdylib=-Wl,--wrap=mediasoup_worker_run");
    }
}
