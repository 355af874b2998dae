fn main() {
    napi_build::setup();
    // The hooks around mediasoup's worker (see
    // crates/mafalda-core/src/pool/worker_hooks.c): where a worker's loop
    // exists, for the worker-side busy poll; and no static destructors for
    // the worker's code, which worker threads may still run at exit.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-cdylib=-Wl,--wrap=mediasoup_worker_run");
        println!("cargo:rustc-link-arg-cdylib=-Wl,--wrap=__cxa_atexit");
    }
}
