//! Compiles the LV2 log shim (a variadic C callback stable Rust cannot define).

fn main() {
    println!("cargo:rerun-if-changed=src/plugin/log_shim.c");
    cc::Build::new()
        .file("src/plugin/log_shim.c")
        .compile("synth_jack_lv2_log");
}
