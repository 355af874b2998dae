// Compiles the one C accessor the pool needs of mediasoup's worker
// (`src/pool/worker_loop.c`); the worker itself is built by mediasoup-sys.
fn main() {
    println!("cargo:rerun-if-changed=src/pool/worker_loop.c");
    cc::Build::new()
        .file("src/pool/worker_loop.c")
        .compile("mafalda_worker_loop");
}
