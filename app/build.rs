//! `cargo leptos build --split` links the browser bundle with `--emit-relocs`, so that it
//! can be cut into a module per page; a plain build must keep every page in one module.
//! The routes (`app.rs`) follow the flag through the `split_bundle` cfg.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(split_bundle)");
    println!("cargo::rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "wasm32");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if wasm && flags.split('\x1f').any(|f| f.contains("--emit-relocs")) {
        println!("cargo::rustc-cfg=split_bundle");
    }
}
