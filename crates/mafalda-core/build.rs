// Compiles the C hooks the pool puts around mediasoup's worker
// (`src/pool/worker_hooks.c`, Linux only: they rely on the ELF symbol of a
// thread-local C++ member and on the linker's `--wrap`); the worker itself
// is built by mediasoup-sys.
fn main() {
    println!("cargo:rerun-if-changed=src/pool/worker_hooks.c");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        cc::Build::new()
            .file("src/pool/worker_hooks.c")
            .compile("mafalda_worker_hooks");
        // The core's tests run their workers as the addon does: the loop is
        // found, and the worker-side poll runs (and can be tested).
        println!("cargo:rustc-link-arg-tests=-Wl,--wrap=mediasoup_worker_run");
    }
}
